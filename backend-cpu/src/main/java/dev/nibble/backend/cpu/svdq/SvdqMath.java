package dev.nibble.backend.cpu.svdq;

import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The scalar pieces of DESIGN.md §3 shared by the reference and the fast SVDQ kernels, written once
 * so both quantise activations the same way, bit for bit.
 *
 * <p>Activation quantisation of one group (G values of x̂ = x / smooth_factor, zero past K):
 * {@code sx = max|x̂| / 7} in float32, then {@code qx = clamp(rint(x̂ / sx), -8, 7)} where
 * {@code rint} rounds half to even, exactly like {@code torch.round} (so 2.5 → 2, 3.5 → 4, -0.5 → -0).
 * A group whose scale is zero (all zeros, or a maximum so small that max/7 underflows) quantises to
 * all zeros with {@code sx = 0}. Because |x̂| ≤ max|x̂|, |x̂ / sx| never exceeds 7 by more than a
 * rounding step, so activations only take values in [-7, 7]; the clamp to [-8, 7] is kept for the
 * letter of the format.
 */
public final class SvdqMath {
    private SvdqMath() {
    }

    /** The largest positive 4-bit code; also the divisor turning a group maximum into a scale. */
    public static final float QMAX = 7f;

    /** Scale of one activation group: max|x̂| / 7 (float32). */
    public static float groupScale(float absMax) {
        return absMax / QMAX;
    }

    /** The 4-bit code of {@code v} at scale {@code s}: clamp(rint(v / s), -8, 7); 0 when s == 0. */
    public static int quantize(float v, float s) {
        if (s == 0f) {
            return 0;
        }
        float r = (float) Math.rint(v / s);
        if (r > 7f) {
            return 7;
        }
        if (r < -8f) {
            return -8;
        }
        return (int) r;
    }

    /** Low nibble (even k) of a packed qweight byte, sign-extended. */
    public static int lowNibble(byte b) {
        return (b << 28) >> 28;
    }

    /** High nibble (odd k) of a packed qweight byte, sign-extended. */
    public static int highNibble(byte b) {
        return b >> 4;
    }

    /** Packs two int4 codes: {@code even} in the low nibble, {@code odd} in the high one. */
    public static byte pack(int even, int odd) {
        return (byte) ((even & 0xf) | ((odd & 0xf) << 4));
    }

    /** Reads {@code n} elements of a float tensor stored as F32/F16/BF16 into a new array. */
    public static float[] readFloats(MemorySegment seg, DType dtype, int n) {
        float[] out = new float[n];
        switch (dtype) {
            case F32 -> MemorySegment.copy(seg, Tensor.F32, 0, out, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat(seg.getAtIndex(Tensor.I16, i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Tensor.bf16ToFloat(seg.getAtIndex(Tensor.I16, i));
                }
            }
            default -> throw new IllegalArgumentException("SvdqLinear: float input expected, got " + dtype);
        }
        return out;
    }

    /** The bytes of a segment as an array (qweight). */
    public static byte[] readBytes(MemorySegment seg, long n) {
        return seg.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The epilogue function in double precision (the reference's). */
    public static double apply(UnaryFn fn, double x) {
        return switch (fn) {
            case IDENTITY -> x;
            case GELU -> 0.5 * x * (1.0 + erf(x / Math.sqrt(2.0)));
            case GELU_TANH -> 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
            case QUICK_GELU -> x / (1.0 + Math.exp(-1.702 * x));
            case SILU -> x / (1.0 + Math.exp(-x));
            case RELU -> Double.isNaN(x) || x > 0 ? x : 0.0;
            case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case EXP -> Math.exp(x);
        };
    }

    /**
     * The error function to about 1e-15: its Maclaurin series below |x| = 2.5, and the continued
     * fraction of erfc (evaluated with the modified Lentz method) above.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double a = Math.abs(x);
        double r;
        if (a < 2.5) {
            double x2 = a * a;
            double term = a;
            double sum = a;
            for (int n = 1; n < 80; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = 2.0 / Math.sqrt(Math.PI) * sum;
        } else if (a > 6.5) {
            r = 1.0;
        } else {
            r = 1.0 - erfcContinuedFraction(a);
        }
        return x < 0 ? -r : r;
    }

    /** erfc(a) for a ≥ 2.5: exp(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))). */
    private static double erfcContinuedFraction(double a) {
        double tiny = 1e-300;
        double f = a;
        double c = a;
        double d = 0;
        for (int n = 1; n < 200; n++) {
            double an = n / 2.0;
            d = a + an * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = a + an / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
    }
}
