package dev.nibble.quantizer;

/**
 * Relative output error ‖Y_q − Y‖_F / ‖Y‖_F of one layer on held-out calibration rows, for
 * (a) naive W4A4 round-to-nearest (no smoothing, no low-rank), (b) smoothing only (its own best α),
 * (c) low-rank only (λ = 1), (d) SVDQuant (smoothing + low-rank, the stored result).
 */
public record LayerReport(String path, int n, int k, int kp, int rank, double alpha, double alphaSmoothOnly,
                          double errNaive, double errSmoothOnly, double errLowRankOnly, double errSvdq,
                          int heldOutRows, boolean weightOnly) {
    /** One progress line. */
    public String line() {
        return String.format(java.util.Locale.ROOT,
                "%s [%d x %d, Kp %d, rank %d, alpha %.2f] rel. error: naive %.4f, smooth %.4f, low-rank %.4f, svdq %.4f%s",
                path, n, k, kp, rank, alpha, errNaive, errSmoothOnly, errLowRankOnly, errSvdq,
                weightOnly ? " (weight-only calibration)" : "");
    }
}
