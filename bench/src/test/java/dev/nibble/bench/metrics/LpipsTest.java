package dev.nibble.bench.metrics;

import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LPIPS with random (not the published) weights: against PyTorch on the same deterministic weights, the
 * engine path against a plain host implementation of the same network, and the properties every LPIPS has.
 * Agreement with the published numbers needs the published weights, which the user supplies.
 */
class LpipsTest {
    static Executor cpu;

    @BeforeAll
    static void device() {
        cpu = new Executor(Backends.discover().cpu(), null, ExecutionOptions.DEFAULT);
    }

    static Map<String, Tensor> randomWeights(boolean lpipsNames, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Tensor> m = new HashMap<>();
        int in = 3;
        for (int i = 0; i < 5; i++) {
            int idx = Lpips.CONV_INDEX[i];
            int o = Lpips.CHANNELS[i];
            int k = Lpips.KERNEL[i];
            String prefix = lpipsNames ? "net.slice" + (i + 1) + "." + idx : "features." + idx;
            m.put(prefix + ".weight", random(r, Shape.of(o, in, k, k), Math.sqrt(2.0 / (in * k * k))));
            m.put(prefix + ".bias", random(r, Shape.of(o), 0.05));
            Tensor lin = Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(1, o, 1, 1));
            for (int c = 0; c < o; c++) {
                lin.setFloat(c, (float) r.nextDouble()); // non-negative like the trained heads
            }
            m.put("lin" + i + ".model.1.weight", lin);
            in = o;
        }
        return m;
    }

    private static Tensor random(SplittableRandom r, Shape s, double scale) {
        Tensor t = Tensor.zeros(dev.nibble.engine.tensor.DType.F32, s);
        for (long i = 0; i < t.numel(); i++) {
            t.setFloat(i, (float) (scale * (2 * r.nextDouble() - 1)));
        }
        return t;
    }

    @Test
    void engineNetworkMatchesAPlainHostImplementation() {
        Map<String, Tensor> w = randomWeights(false, 1);
        ChwImage a = image(3, 37, 35, 2);
        ChwImage b = image(3, 37, 35, 3);
        try (Lpips lp = new Lpips(w::get, cpu, null)) {
            double engine = lp.distance(a, b, PixelRange.UNIT);
            double host = NaiveLpips.distance(w, a, b);
            assertEquals(host, engine, 1e-4 * Math.abs(host) + 1e-7);
            assertTrue(engine > 0);
        }
    }

    /**
     * Against PyTorch: torchvision's AlexNet features with the lpips v0.1 head, deterministic weights (see
     * TorchFixtures), an unrelated pair and a near pair of 64x48 images in [-1, 1].
     */
    @Test
    void matchesPyTorchOnDeterministicWeights() {
        Map<String, Tensor> w = TorchFixtures.weights("lpips_alex");
        int plane = 3 * 64 * 48;
        float[] a = TorchFixtures.values("lpips.input.a", 2 * plane, -1, 1);
        float[] b = TorchFixtures.values("lpips.input.b", 2 * plane, -1, 1);
        try (dev.nibble.engine.io.SafetensorsFile ref = TorchFixtures.outputs();
             Lpips lp = new Lpips(w::get, cpu, null)) {
            float[] expected = ref.tensor("lpips.distance").toFloatArray();
            float[] b1 = ref.tensor("lpips.input.b1").toFloatArray();
            double far = lp.distance(chw(a, 0, plane), chw(b, 0, plane), PixelRange.SIGNED);
            double near = lp.distance(chw(a, plane, plane), new ChwImage(3, 64, 48, b1), PixelRange.SIGNED);
            assertEquals(expected[0], far, 1e-5 * expected[0], "unrelated pair");
            assertEquals(expected[1], near, 1e-4 * expected[1], "near pair");
        }
    }

    private static ChwImage chw(float[] all, int offset, int plane) {
        return new ChwImage(3, 64, 48, java.util.Arrays.copyOfRange(all, offset, offset + plane));
    }

    @Test
    void identicalImagesAreAtDistanceZeroAndTheDistanceIsSymmetric() {
        Map<String, Tensor> w = randomWeights(true, 4);
        ChwImage a = image(3, 32, 32, 5);
        ChwImage b = image(3, 32, 32, 6);
        try (Lpips lp = new Lpips(w::get, cpu, null)) {
            assertEquals(0.0, lp.distance(a, a, PixelRange.UNIT), 1e-12);
            assertEquals(lp.distance(a, b, PixelRange.UNIT), lp.distance(b, a, PixelRange.UNIT), 1e-9);
            // [−1, 1] input is the same image as its [0, 1] version
            float[] s = new float[a.data().length];
            float[] t = new float[b.data().length];
            for (int i = 0; i < s.length; i++) {
                s[i] = 2 * a.data()[i] - 1;
                t[i] = 2 * b.data()[i] - 1;
            }
            assertEquals(lp.distance(a, b, PixelRange.UNIT), lp.distance(new ChwImage(3, 32, 32, s),
                    new ChwImage(3, 32, 32, t), PixelRange.SIGNED), 1e-6);
        }
    }

    @Test
    void loadsASafetensorsFile(@TempDir Path dir) throws Exception {
        Map<String, Tensor> w = randomWeights(true, 7);
        Path file = dir.resolve("lpips_alex.safetensors");
        SafetensorsWriter.write(file, w, Map.of());
        ChwImage a = image(3, 32, 32, 8);
        ChwImage b = image(3, 32, 32, 9);
        try (Lpips fromFile = Lpips.load(file, cpu); Lpips inMemory = new Lpips(w::get, cpu, null)) {
            assertEquals(inMemory.distance(a, b, PixelRange.UNIT), fromFile.distance(a, b, PixelRange.UNIT), 1e-12);
        }
    }

    @Test
    void missingOrMisshapenWeightsAreNamed() {
        Map<String, Tensor> w = randomWeights(false, 10);
        w.remove("lin3.model.1.weight");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Lpips(w::get, cpu, null));
        assertTrue(e.getMessage().contains("lin3"), e.getMessage());
        Map<String, Tensor> v = randomWeights(false, 11);
        v.put("features.3.bias", Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(7)));
        e = assertThrows(IllegalArgumentException.class, () -> new Lpips(v::get, cpu, null));
        assertTrue(e.getMessage().contains("conv 3 bias"), e.getMessage());
    }

    static ChwImage image(int c, int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextDouble();
        }
        return new ChwImage(c, h, w, d);
    }

    /** The same network written out plainly in double, one image at a time. */
    static final class NaiveLpips {
        static double distance(Map<String, Tensor> w, ChwImage a, ChwImage b) {
            double[][][][] fa = features(w, a);
            double[][][][] fb = features(w, b);
            double total = 0;
            for (int k = 0; k < 5; k++) {
                double[][][] x = fa[k];
                double[][][] y = fb[k];
                int c = x.length, h = x[0].length, wd = x[0][0].length;
                Tensor lin = w.get("lin" + k + ".model.1.weight");
                double s = 0;
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < wd; j++) {
                        double nx = 0, ny = 0;
                        for (int ch = 0; ch < c; ch++) {
                            nx += x[ch][i][j] * x[ch][i][j];
                            ny += y[ch][i][j] * y[ch][i][j];
                        }
                        nx = Math.sqrt(nx) + 1e-10;
                        ny = Math.sqrt(ny) + 1e-10;
                        for (int ch = 0; ch < c; ch++) {
                            double d = x[ch][i][j] / nx - y[ch][i][j] / ny;
                            s += lin.getFloat(ch) * d * d;
                        }
                    }
                }
                total += s / (h * wd);
            }
            return total;
        }

        /** relu1..relu5, each [C][H][W]. */
        static double[][][][] features(Map<String, Tensor> w, ChwImage img) {
            double[][][] x = new double[3][img.height()][img.width()];
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < img.height(); i++) {
                    for (int j = 0; j < img.width(); j++) {
                        x[c][i][j] = (2 * img.get(c, i, j) - 1 - Lpips.SHIFT[c]) / Lpips.SCALE[c];
                    }
                }
            }
            double[][][][] out = new double[5][][][];
            for (int s = 0; s < 5; s++) {
                if (s == 1 || s == 2) {
                    x = pool(x);
                }
                x = relu(conv(x, w.get("features." + Lpips.CONV_INDEX[s] + ".weight"),
                        w.get("features." + Lpips.CONV_INDEX[s] + ".bias"), Lpips.STRIDE[s], Lpips.PAD[s]));
                out[s] = x;
            }
            return out;
        }

        static double[][][] conv(double[][][] x, Tensor wt, Tensor bias, int stride, int pad) {
            int o = wt.shape().dim(0), c = wt.shape().dim(1), k = wt.shape().dim(2);
            int h = x[0].length, w = x[0][0].length;
            int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
            double[][][] y = new double[o][oh][ow];
            for (int oc = 0; oc < o; oc++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double s = bias.getFloat(oc);
                        for (int ic = 0; ic < c; ic++) {
                            for (int di = 0; di < k; di++) {
                                int yi = i * stride - pad + di;
                                if (yi < 0 || yi >= h) {
                                    continue;
                                }
                                for (int dj = 0; dj < k; dj++) {
                                    int xj = j * stride - pad + dj;
                                    if (xj < 0 || xj >= w) {
                                        continue;
                                    }
                                    s += wt.getFloat(((long) (oc * c + ic) * k + di) * k + dj) * x[ic][yi][xj];
                                }
                            }
                        }
                        y[oc][i][j] = s;
                    }
                }
            }
            return y;
        }

        static double[][][] relu(double[][][] x) {
            for (double[][] p : x) {
                for (double[] r : p) {
                    for (int i = 0; i < r.length; i++) {
                        r[i] = Math.max(0, r[i]);
                    }
                }
            }
            return x;
        }

        static double[][][] pool(double[][][] x) {
            int h = x[0].length, w = x[0][0].length;
            int oh = (h - 3) / 2 + 1, ow = (w - 3) / 2 + 1;
            double[][][] y = new double[x.length][oh][ow];
            for (int c = 0; c < x.length; c++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int a = 0; a < 3; a++) {
                            for (int b = 0; b < 3; b++) {
                                m = Math.max(m, x[c][2 * i + a][2 * j + b]);
                            }
                        }
                        y[c][i][j] = m;
                    }
                }
            }
            return y;
        }
    }
}
