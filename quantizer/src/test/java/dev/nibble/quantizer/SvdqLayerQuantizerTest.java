package dev.nibble.quantizer;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SvdqLayerQuantizerTest {
    /** A layer whose inputs have a few outlier channels, 20–100× the rest. */
    record Planted(double[] w, int n, int k, float[] bias, LayerCalibration cal) {
    }

    static Planted planted(int n, int k, int outliers, int rows, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] w = new double[n * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextGaussian() / Math.sqrt(k);
        }
        float[] bias = new float[n];
        for (int o = 0; o < n; o++) {
            bias[o] = (float) (0.1 * rnd.nextGaussian());
        }
        double[] gain = new double[k];
        java.util.Arrays.fill(gain, 1);
        for (int i = 0; i < outliers; i++) {
            gain[rnd.nextInt(k)] = rnd.nextDouble(20, 100);
        }
        float[] x = new float[rows * k];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < k; j++) {
                x[i * k + j] = (float) (rnd.nextGaussian() * gain[j]);
            }
        }
        return new Planted(w, n, k, bias, LayerCalibration.ofRows(k, x, "planted outliers"));
    }

    @ParameterizedTest(name = "N={0} K={1} outliers={2}")
    @CsvSource({"96,128,4,1", "128,200,6,2", "64,72,3,3", "160,256,8,4"})
    void svdquantBeatsSmoothingAndFarBeatsNaiveOnOutlierLayers(int n, int k, int outliers, long seed) {
        Planted p = planted(n, k, outliers, 96, seed);
        SvdqOptions opt = SvdqOptions.defaults().withRank(16);
        SvdqLayerQuantizer.Result res = SvdqLayerQuantizer.quantize("layer", p.w, n, k, p.bias, p.cal, opt);
        LayerReport r = res.report();
        System.err.println(r.line());
        assertTrue(r.errSvdq() < r.errSmoothOnly(), r.line());
        assertTrue(r.errSvdq() < 0.3 * r.errNaive(), r.line());
        assertTrue(r.errSvdq() < r.errLowRankOnly(), r.line());
    }

    @Test
    void tensorsFollowTheFormat() {
        int n = 40, k = 72;
        Planted p = planted(n, k, 2, 16, 9);
        SvdqLayerQuantizer.Result res = SvdqLayerQuantizer.quantize("x", p.w, n, k, null, p.cal,
                SvdqOptions.defaults().withRank(8).withAlphaGrid(0.5));
        var t = res.tensors();
        assertEquals(java.util.List.of("qweight", "wscales", "smooth_factor", "proj_down", "proj_up"),
                java.util.List.copyOf(t.keySet()));
        assertEquals(DType.I8, t.get("qweight").dtype());
        assertEquals(dev.nibble.engine.tensor.Shape.of(40, 64), t.get("qweight").shape()); // Kp = 128
        assertEquals(dev.nibble.engine.tensor.Shape.of(2, 40), t.get("wscales").shape());
        assertEquals(dev.nibble.engine.tensor.Shape.of(72), t.get("smooth_factor").shape());
        assertEquals(dev.nibble.engine.tensor.Shape.of(72, 8), t.get("proj_down").shape());
        assertEquals(dev.nibble.engine.tensor.Shape.of(40, 8), t.get("proj_up").shape());
        for (String s : new String[]{"wscales", "smooth_factor", "proj_down", "proj_up"}) {
            assertEquals(DType.BF16, t.get(s).dtype(), s); // the default float type, as nunchaku stores them
        }
        // padded columns k = 72..127 are zero codes
        GroupQuantizer.Packed q = res.packed();
        for (int o = 0; o < n; o++) {
            for (int c = k; c < 128; c++) {
                assertEquals(0, q.code(o, c));
            }
        }
    }

    @Test
    void bf16TensorsOnRequest() {
        Planted p = planted(32, 64, 2, 16, 10);
        var res = SvdqLayerQuantizer.quantize("x", p.w, 32, 64, null, p.cal,
                SvdqOptions.defaults().withRank(4).withFloatType(DType.BF16).withAlphaGrid(0.5));
        for (String s : new String[]{"wscales", "smooth_factor", "proj_down", "proj_up"}) {
            assertEquals(DType.BF16, res.tensors().get(s).dtype(), s);
        }
        // what is stored is what was evaluated
        Tensor sf = res.tensors().get("smooth_factor");
        assertArrayEquals(res.smooth(), sf.toFloatArray());
    }

    @Test
    void lowRankReconstructsInRawSpace() {
        // X·proj_down·proj_upᵀ = X̂·Ŵ_rᵀ for a matrix of exact rank r
        int n = 20, k = 30, r = 3;
        SplittableRandom rnd = new SplittableRandom(4);
        double[] a = new double[n * r], b = new double[r * k], w = new double[n * k];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = rnd.nextGaussian();
        for (int o = 0; o < n; o++) for (int c = 0; c < k; c++) for (int j = 0; j < r; j++) w[o * k + c] += a[o * r + j] * b[j * k + c];
        float[] lambda = new float[k];
        for (int c = 0; c < k; c++) lambda[c] = (float) Math.exp(rnd.nextGaussian());
        double[] wHat = Smoothing.smoothWeight(w, n, k, lambda);
        LowRank.Factors f = LowRank.of(wHat, n, k, r, lambda, DType.F32, 1);
        double[] back = LowRank.product(f, n, k, lambda);
        for (int i = 0; i < back.length; i++) {
            assertEquals(wHat[i], back[i], 1e-4 * (1 + Math.abs(wHat[i])));
        }
        // raw space: Σ_c x_c·down[c,j]·up[o,j] == Σ_c (x_c/λ_c)·Ŵ[o,c] == Σ_c x_c·W[o,c]
        double[] x = new double[k];
        for (int c = 0; c < k; c++) x[c] = rnd.nextGaussian();
        for (int o = 0; o < n; o++) {
            double viaFactors = 0, direct = 0;
            for (int c = 0; c < k; c++) {
                direct += x[c] * w[o * k + c];
                for (int j = 0; j < r; j++) viaFactors += x[c] * f.down()[c * r + j] * f.up()[o * r + j];
            }
            assertEquals(direct, viaFactors, 1e-3 * (1 + Math.abs(direct)));
        }
    }

    @Test
    void randomisedSvdMatchesExactOnLargeMatrices() {
        int n = 1100, k = 1030, r = 8;
        SplittableRandom rnd = new SplittableRandom(5);
        double[] w = new double[n * k];
        // rank-8 signal plus small noise
        double[] a = new double[n * r], b = new double[r * k];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = rnd.nextGaussian() * (1 + i / k);
        for (int o = 0; o < n; o++) for (int j = 0; j < r; j++) { double av = a[o * r + j]; for (int c = 0; c < k; c++) w[o * k + c] += av * b[j * k + c]; }
        for (int i = 0; i < w.length; i++) w[i] += 1e-3 * rnd.nextGaussian();
        float[] ones = Smoothing.identity(k);
        LowRank.Factors f = LowRank.of(w, n, k, r, ones, DType.F32, 1);
        double[] back = LowRank.product(f, n, k, ones);
        double num = 0, den = 0;
        for (int i = 0; i < w.length; i++) { num += (w[i] - back[i]) * (w[i] - back[i]); den += w[i] * w[i]; }
        assertTrue(Math.sqrt(num / den) < 1e-3, "relative residual " + Math.sqrt(num / den));
    }
}
