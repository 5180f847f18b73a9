package dev.nibble.bench.metrics;

import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.RunResult;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Pool2d;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * LPIPS v0.1 with the AlexNet backbone (Zhang et al., "The Unreasonable Effectiveness of Deep Features
 * as a Perceptual Metric", CVPR 2018; the {@code lpips} package's {@code LPIPS(net='alex')}):
 * <ol>
 *   <li>inputs in [−1, 1] go through the scaling layer {@code (x − shift) / scale}, shift = (−.030, −.088,
 *       −.188), scale = (.458, .448, .450);</li>
 *   <li>AlexNet's five conv + ReLU stages (torchvision {@code features}: conv 11×11/4 pad 2 → 64, max-pool
 *       3/2, conv 5×5 pad 2 → 192, max-pool 3/2, conv 3×3 → 384, → 256, → 256) give relu1..relu5;</li>
 *   <li>each activation is divided by its channel-wise L2 norm (+1e-10), the two images' normalised
 *       activations are subtracted and squared, weighted per channel by the non-negative linear head
 *       {@code lin_k} (a 1×1 conv without bias), summed over channels and averaged over space;</li>
 *   <li>LPIPS is the sum over the five layers.</li>
 * </ol>
 * The backbone runs on the engine as one graph (both images as one batch of two, through the given
 * executor); the normalisation and heads run on the host in double.
 *
 * <h2>Weights (supplied by the user)</h2>
 * A safetensors file holding either the {@code lpips} package's own state dict ({@code net.slice1.0.weight},
 * {@code net.slice2.3.weight}, ..., {@code net.slice5.10.weight} and biases, {@code lin0.model.1.weight} ..
 * {@code lin4.model.1.weight}) or torchvision's names for the backbone ({@code features.0.weight}, ...,
 * {@code features.10.bias}) plus the heads. To convert the public PyTorch weights:
 * <pre>
 *   pip install lpips safetensors
 *   python -c "import lpips; from safetensors.torch import save_file; \
 *     m = lpips.LPIPS(net='alex', version='0.1'); \
 *     save_file({k: v.contiguous() for k, v in m.state_dict().items()}, 'lpips_alex.safetensors')"
 * </pre>
 * ({@code LPIPS(net='alex')} downloads torchvision's ImageNet AlexNet and loads the package's
 * {@code weights/v0.1/alex.pth} heads.) Then pass {@code --lpips-weights lpips_alex.safetensors}.
 */
public final class Lpips implements PerceptualDistance {
    static final double[] SHIFT = {-.030, -.088, -.188};
    static final double[] SCALE = {.458, .448, .450};
    static final double EPS = 1e-10;
    /** torchvision AlexNet {@code features} indices of the five convolutions. */
    static final int[] CONV_INDEX = {0, 3, 6, 8, 10};
    static final int[] CHANNELS = {64, 192, 384, 256, 256};
    static final int[] KERNEL = {11, 5, 3, 3, 3};
    static final int[] STRIDE = {4, 1, 1, 1, 1};
    static final int[] PAD = {2, 2, 1, 1, 1};
    /** The smallest image side the network accepts (two 3/2 max-pools after a stride-4 convolution). */
    public static final int MIN_SIZE = 32;

    private final Tensor[] convWeight = new Tensor[5];
    private final Tensor[] convBias = new Tensor[5];
    private final double[][] lin = new double[5][];
    private final Executor executor;
    private final AutoCloseable owned;
    private final Map<String, CompiledGraph> compiled = new HashMap<>();

    /**
     * @param tensors name → tensor, in either naming scheme (see the class comment)
     * @param owned   closed with this object (the weights file), may be null
     */
    public Lpips(Function<String, Tensor> tensors, Executor executor, AutoCloseable owned) {
        this.executor = Objects.requireNonNull(executor);
        this.owned = owned;
        int in = 3;
        for (int i = 0; i < 5; i++) {
            int idx = CONV_INDEX[i];
            Tensor w = first(tensors, "features." + idx + ".weight", "net.slice" + (i + 1) + "." + idx + ".weight");
            Tensor b = first(tensors, "features." + idx + ".bias", "net.slice" + (i + 1) + "." + idx + ".bias");
            expect(w, "conv " + idx + " weight", CHANNELS[i], in, KERNEL[i], KERNEL[i]);
            expect(b, "conv " + idx + " bias", CHANNELS[i]);
            convWeight[i] = w.dtype() == DType.F32 ? w : w.to(DType.F32);
            convBias[i] = b.dtype() == DType.F32 ? b : b.to(DType.F32);
            Tensor l = first(tensors, "lin" + i + ".model.1.weight", "lin" + i + ".model.0.weight");
            expect(l, "lin" + i, 1, CHANNELS[i], 1, 1);
            lin[i] = new double[CHANNELS[i]];
            for (int c = 0; c < CHANNELS[i]; c++) {
                lin[i][c] = l.getFloat(c);
            }
            in = CHANNELS[i];
        }
    }

    /** Loads a safetensors weights file (see the class comment) and runs the network through {@code executor}. */
    public static Lpips load(Path file, Executor executor) {
        SafetensorsFile f = SafetensorsFile.open(file);
        try {
            return new Lpips(name -> f.contains(name) ? f.tensor(name) : null, executor, f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private static Tensor first(Function<String, Tensor> tensors, String a, String b) {
        Tensor t = tensors.apply(a);
        if (t == null) {
            t = tensors.apply(b);
        }
        if (t == null) {
            throw new IllegalArgumentException("LPIPS weights: missing tensor '" + a + "' (or '" + b + "')");
        }
        return t;
    }

    private static void expect(Tensor t, String what, int... dims) {
        if (!t.shape().equals(Shape.of(dims)) || !t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("LPIPS weights: " + what + " must be a float tensor of shape "
                    + Shape.of(dims) + ", got " + t.spec());
        }
    }

    @Override
    public String name() {
        return "LPIPS (AlexNet, v0.1)";
    }

    @Override
    public synchronized double distance(ChwImage a, ChwImage b, PixelRange range) {
        if (a.channels() != 3 || b.channels() != 3 || a.height() != b.height() || a.width() != b.width()) {
            throw new IllegalArgumentException("LPIPS compares two RGB images of the same size, got " + a.channels() + "x"
                    + a.height() + "x" + a.width() + " and " + b.channels() + "x" + b.height() + "x" + b.width());
        }
        int h = a.height();
        int w = a.width();
        if (h < MIN_SIZE || w < MIN_SIZE) {
            throw new IllegalArgumentException("LPIPS needs images of at least " + MIN_SIZE + "x" + MIN_SIZE + ", got "
                    + h + "x" + w);
        }
        float[] x = new float[2 * 3 * h * w];
        scale(a, range, x, 0);
        scale(b, range, x, 3 * h * w);
        Feature[] f = features(x, h, w);
        double total = 0;
        for (int k = 0; k < 5; k++) {
            total += layerDistance(f[k], lin[k]);
        }
        return total;
    }

    /** One activation [2, C, H, W] (both images). */
    record Feature(float[] data, int c, int h, int w) {
    }

    /** The scaling layer: x in [−1, 1] → (x − shift) / scale. */
    private static void scale(ChwImage img, PixelRange range, float[] out, int offset) {
        int plane = img.height() * img.width();
        float[] d = img.data();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                double v = d[c * plane + i];
                double signed = range == PixelRange.UNIT ? 2 * v - 1 : v;
                out[offset + c * plane + i] = (float) ((signed - SHIFT[c]) / SCALE[c]);
            }
        }
    }

    /** relu1..relu5 for the batch of two, from one engine graph per image size. */
    Feature[] features(float[] x, int h, int w) {
        CompiledGraph cg = compiled.computeIfAbsent(h + "x" + w, k -> executor.compile(graph(h, w)));
        RunResult r = cg.run(Map.of("x", Tensor.ofFloats(Shape.of(2, 3, h, w), x)));
        Feature[] out = new Feature[5];
        for (int i = 0; i < 5; i++) {
            Tensor t = r.outputs().get(i);
            out[i] = new Feature(t.toFloatArray(), t.shape().dim(1), t.shape().dim(2), t.shape().dim(3));
        }
        return out;
    }

    /**
     * torchvision AlexNet {@code features} up to relu5: conv1+ReLU, max-pool 3/2, conv2+ReLU, max-pool 3/2,
     * conv3..conv5 each + ReLU; the five ReLU outputs are the graph's outputs.
     */
    private Graph graph(int h, int w) {
        GraphBuilder g = new GraphBuilder();
        Value v = g.input("x", DType.F32, 2, 3, h, w);
        Value[] outs = new Value[5];
        for (int s = 0; s < 5; s++) {
            if (s == 1 || s == 2) {
                v = g.op(Pool2d.max(3, 2, 0), "features." + (CONV_INDEX[s] - 1), v);
            }
            Value wv = g.constant("features." + CONV_INDEX[s] + ".weight", convWeight[s]);
            Value bv = g.constant("features." + CONV_INDEX[s] + ".bias", convBias[s]);
            v = g.op(new Conv2d(STRIDE[s], STRIDE[s], PAD[s], PAD[s], PAD[s], PAD[s], true), "conv" + (s + 1), v, wv, bv);
            v = g.unary(UnaryFn.RELU, v);
            outs[s] = v;
        }
        return g.build(outs);
    }

    /** mean over space of Σ_c lin[c]·(n0[c] − n1[c])², n = activation / (‖activation‖_c + eps). */
    static double layerDistance(Feature f, double[] lin) {
        int c = f.c();
        int plane = f.h() * f.w();
        float[] d = f.data();
        int second = c * plane;
        double sum = 0;
        for (int p = 0; p < plane; p++) {
            double n0 = 0;
            double n1 = 0;
            for (int ch = 0; ch < c; ch++) {
                double u = d[ch * plane + p];
                double v = d[second + ch * plane + p];
                n0 += u * u;
                n1 += v * v;
            }
            n0 = Math.sqrt(n0) + EPS;
            n1 = Math.sqrt(n1) + EPS;
            double s = 0;
            for (int ch = 0; ch < c; ch++) {
                double diff = d[ch * plane + p] / n0 - d[second + ch * plane + p] / n1;
                s += lin[ch] * diff * diff;
            }
            sum += s;
        }
        return sum / plane;
    }

    @Override
    public synchronized void close() {
        compiled.values().forEach(CompiledGraph::close);
        compiled.clear();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }
}
