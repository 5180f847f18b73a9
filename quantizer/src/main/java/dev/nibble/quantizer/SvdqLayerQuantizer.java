package dev.nibble.quantizer;

import dev.nibble.backend.cpu.svdq.SvdqReference;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SVDQuant of one linear layer (DESIGN.md §3): smoothing (α searched on the calibration rows), rank-r SVD
 * of the smoothed weight, per-group int4 quantisation of the residual. Errors are measured with the CPU
 * backend's reference SVDQ arithmetic, i.e. exactly what the engine will compute, activation
 * quantisation included.
 *
 * <p>Calibration rows are split: the first three quarters choose α, the last quarter (at least one row)
 * is held out for the report. With fewer than 4 rows all rows serve both purposes.
 */
public final class SvdqLayerQuantizer {
    private SvdqLayerQuantizer() {
    }

    /**
     * The stored tensors, named by suffix ({@link SvdqFormat#QWEIGHT}, …; no bias: the caller keeps the
     * layer's bias as it was), and the error report.
     */
    public record Result(Map<String, Tensor> tensors, LayerReport report, float[] smooth, LowRank.Factors factors,
                         GroupQuantizer.Packed packed) {
    }

    /** One candidate configuration, as it would be stored. */
    private record Candidate(float[] lambda, LowRank.Factors factors, GroupQuantizer.Packed packed) {
    }

    /**
     * @param w    weight [N, K] (PyTorch layout) in float64
     * @param bias [N] or null; only used to measure the error
     */
    public static Result quantize(String path, double[] w, int n, int k, float[] bias, LayerCalibration cal,
                                  SvdqOptions opt) {
        if (w.length != (long) n * k) {
            throw new IllegalArgumentException(path + ": weight has " + w.length + " values, expected " + n + "x" + k);
        }
        if (cal.k() != k) {
            throw new IllegalArgumentException(path + ": calibration has K=" + cal.k() + ", the weight K=" + k);
        }
        int r = Math.min(opt.rank(), Math.min(n, k));
        int g = opt.groupSize();
        int count = cal.count();
        int fitEnd = count < 4 ? count : count - Math.max(1, count / 4);
        int holdFrom = count < 4 ? 0 : fitEnd;
        float[] fit = cal.rows(0, fitEnd);
        float[] held = cal.rows(holdFrom, count);
        int mFit = fitEnd;
        int mHeld = count - holdFrom;
        double[] yFit = dense(fit, mFit, w, n, k, bias);
        double[] yHeld = dense(held, mHeld, w, n, k, bias);
        double[] wAbsMax = Smoothing.weightChannelAbsMax(w, n, k);

        // (a) naive W4A4 and (c) low-rank only: λ = 1
        float[] ones = Smoothing.identity(k);
        Candidate naive = build(w, n, k, ones, 0, g, opt);
        Candidate lowRankOnly = build(w, n, k, ones, r, g, opt);
        // (b) smoothing only and (d) SVDQuant: α searched on the fit rows
        double bestSmoothErr = Double.POSITIVE_INFINITY;
        double bestSmoothAlpha = Double.NaN;
        Candidate bestSmooth = null;
        double bestErr = Double.POSITIVE_INFINITY;
        double bestAlpha = Double.NaN;
        Candidate best = null;
        for (double alpha : opt.alphaGrid()) {
            float[] lambda = Smoothing.factors(cal.channelAbsMax(), wAbsMax, alpha);
            Candidate s = build(w, n, k, lambda, 0, g, opt);
            double es = error(s, fit, mFit, n, k, g, bias, yFit);
            if (es < bestSmoothErr) {
                bestSmoothErr = es;
                bestSmoothAlpha = alpha;
                bestSmooth = s;
            }
            Candidate c = r == 0 ? s : build(w, n, k, lambda, r, g, opt);
            double e = r == 0 ? es : error(c, fit, mFit, n, k, g, bias, yFit);
            if (e < bestErr) {
                bestErr = e;
                bestAlpha = alpha;
                best = c;
            }
        }
        LayerReport report = new LayerReport(path, n, k, SvdqFormat.paddedK(k, g), r, bestAlpha, bestSmoothAlpha,
                error(naive, held, mHeld, n, k, g, bias, yHeld),
                error(bestSmooth, held, mHeld, n, k, g, bias, yHeld),
                error(lowRankOnly, held, mHeld, n, k, g, bias, yHeld),
                error(best, held, mHeld, n, k, g, bias, yHeld),
                mHeld, cal.weightOnly());
        return new Result(tensors(best, n, k, opt.floatType()), report, best.lambda, best.factors, best.packed);
    }

    private static Candidate build(double[] w, int n, int k, float[] lambda, int r, int g, SvdqOptions opt) {
        float[] l = new float[k];
        for (int j = 0; j < k; j++) {
            l[j] = DTypes.round(lambda[j], opt.floatType());
        }
        double[] wHat = Smoothing.smoothWeight(w, n, k, l);
        LowRank.Factors f = LowRank.of(wHat, n, k, r, l, opt.floatType(), opt.seed());
        if (r > 0) {
            double[] lr = LowRank.product(f, n, k, l);
            for (int i = 0; i < wHat.length; i++) {
                wHat[i] -= lr[i];
            }
        }
        return new Candidate(l, f, GroupQuantizer.quantize(wHat, n, k, g, opt.floatType()));
    }

    private static Map<String, Tensor> tensors(Candidate c, int n, int k, DType ft) {
        GroupQuantizer.Packed p = c.packed;
        int r = c.factors.r();
        Map<String, Tensor> out = new LinkedHashMap<>();
        Tensor q = Tensor.zeros(DType.I8, Shape.of(n, p.kp() / 2));
        MemorySegment.copy(p.qweight(), 0, q.data(), ValueLayout.JAVA_BYTE, 0, p.qweight().length);
        out.put(SvdqFormat.QWEIGHT, q);
        out.put(SvdqFormat.WSCALES, DTypes.tensor(ft, Shape.of(p.kp() / p.groupSize(), n), p.wscales()));
        out.put(SvdqFormat.SMOOTH_FACTOR, DTypes.tensor(ft, Shape.of(k), c.lambda));
        out.put(SvdqFormat.PROJ_DOWN, DTypes.tensor(ft, Shape.of(k, r), c.factors.down()));
        out.put(SvdqFormat.PROJ_UP, DTypes.tensor(ft, Shape.of(n, r), c.factors.up()));
        return out;
    }

    /** Y = X·Wᵀ + b in float64. */
    static double[] dense(float[] x, int m, double[] w, int n, int k, float[] bias) {
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int o = 0; o < n; o++) {
                double acc = bias == null ? 0 : bias[o];
                for (int c = 0; c < k; c++) {
                    acc += x[i * k + c] * w[o * k + c];
                }
                y[i * n + o] = acc;
            }
        }
        return y;
    }

    /** The layer's output as the engine computes it (reference SVDQ kernel arithmetic). */
    public static float[] forward(float[] x, int m, int n, int k, float[] smooth, LowRank.Factors f,
                                  GroupQuantizer.Packed p, float[] bias) {
        return SvdqReference.forward(x, m, k, n, f.r(), p.groupSize(), p.qweight(), p.wscales(), smooth,
                f.down(), f.up(), bias, UnaryFn.IDENTITY);
    }

    private static double error(Candidate c, float[] x, int m, int n, int k, int g, float[] bias, double[] want) {
        return relativeError(forward(x, m, n, k, c.lambda, c.factors, c.packed, bias), want);
    }

    /** ‖got − want‖_F / ‖want‖_F (0 when both are zero). */
    public static double relativeError(float[] got, double[] want) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            num += d * d;
            den += want[i] * want[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }
}
