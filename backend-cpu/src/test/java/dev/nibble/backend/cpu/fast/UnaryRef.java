package dev.nibble.backend.cpu.fast;

import dev.nibble.engine.ops.UnaryFn;

/** Double-precision definitions of the unary functions for the tests. */
final class UnaryRef {
    private UnaryRef() {
    }

    static double apply(UnaryFn fn, double x) {
        return switch (fn) {
            case IDENTITY -> x;
            case GELU -> gelu(x);
            // 0.5·x·(1 + tanh(u)) written as x / (1 + e^(−2u)), which does not lose the negative tail
            case GELU_TANH -> x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case QUICK_GELU -> x / (1 + Math.exp(-1.702 * x));
            case SILU -> x / (1 + Math.exp(-x));
            case RELU -> Double.isNaN(x) ? x : Math.max(0, x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case EXP -> Math.exp(x);
        };
    }

    /** erf to ~1e-15 by its Taylor series (|x| < 3) or the continued fraction of erfc. */
    static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 3) {
            double sum = 0, term = ax;
            for (int n = 0; n < 200; n++) {
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * Math.abs(sum)) {
                    break;
                }
                term *= -ax * ax / (n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            r = 1 - erfcLarge(ax);
        }
        return x < 0 ? -r : r;
    }

    /** erfc(x) for x ≥ 3 by Lentz's continued fraction. */
    static double erfcLarge(double x) {
        // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
        double f = x;
        for (int n = 60; n >= 1; n--) {
            f = x + (n / 2.0) / f;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }

    /** Φ(x)·x computed with erfc in the negative tail (relative accuracy there). */
    static double gelu(double x) {
        if (x < -3 * Math.sqrt(2)) {
            return x * 0.5 * erfcLarge(-x / Math.sqrt(2));
        }
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }
}
