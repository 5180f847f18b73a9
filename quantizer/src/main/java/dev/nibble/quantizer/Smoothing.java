package dev.nibble.quantizer;

/**
 * SmoothQuant-style migration of activation outliers into the weights:
 * {@code λ_j = max|X_j|^α / max|W_j|^(1−α)}, where W is the PyTorch weight [N, K] so W_j is its column j
 * (input channel j). Then x̂ = x / λ and Ŵ = W·diag(λ) give the same product. α is searched per layer on
 * {@link #DEFAULT_ALPHA_GRID}.
 */
public final class Smoothing {
    private Smoothing() {
    }

    /** 0.05, 0.10, …, 0.95. */
    public static final double[] DEFAULT_ALPHA_GRID = grid(0.05, 0.95, 0.05);

    public static double[] grid(double from, double to, double step) {
        int n = (int) Math.round((to - from) / step) + 1;
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = Math.round((from + i * step) * 1e6) / 1e6;
        }
        return g;
    }

    /** max_n |W[n, j]| for each input channel j of W [N, K]. */
    public static double[] weightChannelAbsMax(double[] w, int n, int k) {
        double[] m = new double[k];
        for (int o = 0; o < n; o++) {
            for (int j = 0; j < k; j++) {
                m[j] = Math.max(m[j], Math.abs(w[o * k + j]));
            }
        }
        return m;
    }

    /**
     * λ for one α, rounded to float32 (the stored smooth_factor, which quantisation must then use).
     * A channel whose activation or weight maximum is zero (or gives a non-finite ratio) keeps λ = 1.
     */
    public static float[] factors(float[] xAbsMax, double[] wAbsMax, double alpha) {
        float[] l = new float[xAbsMax.length];
        for (int j = 0; j < l.length; j++) {
            double x = xAbsMax[j];
            double w = wAbsMax[j];
            double v = (x > 0 && w > 0) ? Math.pow(x, alpha) / Math.pow(w, 1 - alpha) : 1.0;
            float f = (float) v;
            l[j] = Float.isFinite(f) && f > 0 && f < Float.MAX_VALUE / 16 && f > 1e-30f ? f : 1f;
        }
        return l;
    }

    /** λ = 1 everywhere (no smoothing). */
    public static float[] identity(int k) {
        float[] l = new float[k];
        java.util.Arrays.fill(l, 1f);
        return l;
    }

    /** Ŵ = W·diag(λ) [N, K]. */
    public static double[] smoothWeight(double[] w, int n, int k, float[] lambda) {
        double[] out = new double[w.length];
        for (int o = 0; o < n; o++) {
            for (int j = 0; j < k; j++) {
                out[o * k + j] = w[o * k + j] * lambda[j];
            }
        }
        return out;
    }
}
