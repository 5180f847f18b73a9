package dev.nibble.backend.cpu.reference;

/**
 * The error function in double precision (Java has none). erf is good to about 1e-16 relative,
 * erfc to about 1e-16 for |x| ≥ 2 and 1e-14 below, far beyond what float GELU needs.
 */
public final class Erf {
    private static final double SQRT_PI = Math.sqrt(Math.PI);

    private Erf() {
    }

    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double a = Math.abs(x);
        double r = a < 2.0 ? series(a) : 1.0 - continuedFraction(a);
        return Math.copySign(r, x);
    }

    public static double erfc(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (x < 0) {
            return 2.0 - erfc(-x);
        }
        return x < 2.0 ? 1.0 - series(x) : continuedFraction(x);
    }

    /**
     * erf(x) = 2x/√π · e^(−x²) · Σₙ (2x²)ⁿ / (1·3·5·…·(2n+1)), x ≥ 0. Every term is positive, so
     * there is no cancellation (unlike the alternating Maclaurin series).
     */
    private static double series(double x) {
        double x2 = 2 * x * x;
        double term = 1;
        double sum = 1;
        for (int n = 1; term > 1e-17 * sum; n++) {
            term *= x2 / (2 * n + 1);
            sum += term;
        }
        return 2 * x / SQRT_PI * Math.exp(-x * x) * sum;
    }

    /**
     * erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), x ≥ 2, evaluated forward by
     * the modified Lentz method; converges in a few dozen steps there.
     */
    private static double continuedFraction(double x) {
        if (x > 27.3) {
            return 0; // e^(−x²) underflows
        }
        final double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0;
        for (int n = 1; n < 10_000; n++) {
            double a = 0.5 * n;
            d = x + a * d;
            d = 1 / (d == 0 ? tiny : d);
            c = x + a / c;
            if (c == 0) {
                c = tiny;
            }
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(-x * x) / (SQRT_PI * f);
    }
}
