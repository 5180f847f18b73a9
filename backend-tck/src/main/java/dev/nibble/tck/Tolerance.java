package dev.nibble.tck;

/**
 * Largest accepted errors: {@code maxError} for max|a−b| / max(1, max|ref|), {@code relL2} for
 * ‖a−b‖₂ / ‖ref‖₂. Zero means bit-exact (data movement, conversions).
 */
public record Tolerance(double maxError, double relL2) {
    public static final Tolerance EXACT = new Tolerance(0, 0);

    public Tolerance {
        if (!(maxError >= 0) || !(relL2 >= 0)) {
            throw new IllegalArgumentException("tolerances must be non-negative: " + maxError + ", " + relL2);
        }
    }

    public boolean accepts(double max, double l2) {
        return max <= maxError && l2 <= relL2;
    }

    @Override
    public String toString() {
        return maxError == 0 && relL2 == 0 ? "exact" : String.format(java.util.Locale.ROOT, "%.0e/%.0e", maxError, relL2);
    }
}
