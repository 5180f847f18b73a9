package dev.nibble.tck;

/**
 * One row of a report.
 *
 * @param maxError  max|a−b| / max(1, max|ref|) over elements finite in both; NaN when not compared
 * @param relL2     ‖a−b‖₂ / ‖ref‖₂; NaN when not compared
 * @param tolerance what the case was held to
 * @param message   why it failed or is unsupported; empty for a pass
 */
public record TckResult(String op, String caseName, TckStatus status, double maxError, double relL2,
                        Tolerance tolerance, String message) {

    public String id() {
        return op + "/" + caseName;
    }

    /** The larger of the two errors as a fraction of its tolerance (exact tolerances: any error is ∞); NaN if not compared. */
    public double errorRatio() {
        if (Double.isNaN(maxError) || tolerance == null) {
            return Double.NaN;
        }
        return Math.max(ratio(maxError, tolerance.maxError()), ratio(relL2, tolerance.relL2()));
    }

    private static double ratio(double err, double tol) {
        return tol > 0 ? err / tol : (err == 0 ? 0 : Double.POSITIVE_INFINITY);
    }

    /** One line for logs and assertion messages. */
    public String describe() {
        StringBuilder sb = new StringBuilder().append(status).append(' ').append(id());
        if (!Double.isNaN(maxError)) {
            sb.append(String.format(java.util.Locale.ROOT, " (max err %.3g, rel L2 %.3g, tolerance %s)",
                    maxError, relL2, tolerance));
        }
        if (!message.isEmpty()) {
            sb.append(": ").append(message);
        }
        return sb.toString();
    }
}
