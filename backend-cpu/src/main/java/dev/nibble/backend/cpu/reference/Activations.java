package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.ops.UnaryFn;

/** The {@link UnaryFn}s in double precision; kernels round the result to float once. */
public final class Activations {
    private static final double SQRT1_2 = 0.7071067811865476; // 1/√2
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    private Activations() {
    }

    public static double apply(UnaryFn fn, double x) {
        return switch (fn) {
            case IDENTITY -> x;
            case GELU -> gelu(x);
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            case QUICK_GELU -> x * sigmoid(1.702 * x);
            case SILU -> x * sigmoid(x);
            case RELU -> x > 0 ? x : (Double.isNaN(x) ? x : 0.0);
            case SIGMOID -> sigmoid(x);
            case TANH -> Math.tanh(x);
            case EXP -> Math.exp(x);
        };
    }

    /** The float result of {@code fn(x)}, correctly rounded from double. */
    public static float apply(UnaryFn fn, float x) {
        return (float) apply(fn, (double) x);
    }

    /** x·Φ(x) = x/2 · erfc(−x/√2): the erfc form keeps precision in the negative tail. */
    public static double gelu(double x) {
        return 0.5 * x * Erf.erfc(-x * SQRT1_2);
    }

    /** Logistic function without overflow or cancellation on either side. */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }
}
