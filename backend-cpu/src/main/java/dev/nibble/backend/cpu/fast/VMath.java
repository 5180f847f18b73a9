package dev.nibble.backend.cpu.fast;

import dev.nibble.engine.ops.UnaryFn;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised elementary functions on 512-bit float vectors, each within a few ulp of the exact
 * value over the whole float range (NaN in, NaN out), plus the scalar twins used on tails so a
 * tensor's elements never depend on where a vector boundary falls.
 */
public final class VMath {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final int L = S.length();

    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split so that n·LN2_HI is exact for |n| < 2^9
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float EXP_HI = 89f;
    private static final float EXP_LO = -104.5f;
    private static final float INV_SQRT2 = 0.70710678118654752f;
    private static final float SQRT_2_OVER_PI = 0.79788456080286536f;

    /**
     * Sum of the lanes in lane order. FloatVector.reduceLanes(ADD) leaves the order unspecified, and
     * the interpreter and C2 do use different orders, so a kernel's result would change in the last
     * bits as the JIT warms up; a fixed order keeps runs bit-reproducible.
     */
    static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    private VMath() {
    }

    private static FloatVector c(float v) {
        return FloatVector.broadcast(S, v);
    }

    /** e^x: Cody–Waite reduction to r in [−ln2/2, ln2/2], a degree-7 Taylor polynomial, 2^n in two steps (subnormals kept). */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector n = round(xc.mul(LOG2E));
        FloatVector r = n.fma(c(-LN2_HI), xc);
        r = n.fma(c(-LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, 1f / 5040f);
        p = p.fma(r, c(1f / 720f));
        p = p.fma(r, c(1f / 120f));
        p = p.fma(r, c(1f / 24f));
        p = p.fma(r, c(1f / 6f));
        p = p.fma(r, c(0.5f));
        p = p.fma(r, c(1f));
        p = p.fma(r, c(1f));
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector res = p.mul(s1).mul(s2);
        // NaN in → NaN out (the clamp above kept NaN, but the integer path lost it)
        return res.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** Round to nearest (ties to even) via the 1.5·2^23 trick; valid for |x| < 2^22. */
    private static FloatVector round(FloatVector x) {
        final float magic = 12582912f;
        return x.add(magic).sub(magic);
    }

    /** 1 / (1 + e^(−x)). */
    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(exp(x.neg()).add(1f));
    }

    /**
     * Φ(−|x|) = erfc(|x|/√2)/2 with relative error ≲ 1e−6 down to the float underflow: the Chebyshev
     * fit erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2) (fractional error 1.2e−7), with z² = x²/2 taken
     * exactly as a sum hi + lo through an FMA, since exp(−z²) amplifies any rounding of z² by z².
     */
    static FloatVector phiNegAbs(FloatVector x) {
        FloatVector ax = x.abs().min(20f);                           // Φ(−20) ≈ 3e−89 is 0 in float
        FloatVector t = ax.fma(c(0.5f * INV_SQRT2), c(1f));
        t = FloatVector.broadcast(S, 1f).div(t);
        FloatVector p = FloatVector.broadcast(S, 0.17087277f);
        p = p.fma(t, c(-0.82215223f));
        p = p.fma(t, c(1.48851587f));
        p = p.fma(t, c(-1.13520398f));
        p = p.fma(t, c(0.27886807f));
        p = p.fma(t, c(-0.18628806f));
        p = p.fma(t, c(0.09678418f));
        p = p.fma(t, c(0.37409196f));
        p = p.fma(t, c(1.00002368f));
        p = p.fma(t, c(-1.26551223f));
        FloatVector hi = ax.mul(ax);
        FloatVector lo = ax.fma(ax, hi.neg());                       // x² = hi + lo exactly
        FloatVector a = hi.mul(-0.5f);
        FloatVector arg = a.add(p);
        FloatVector err = a.sub(arg).add(p);                         // a + p = arg + err exactly (|a| ≥ |p| where it matters)
        FloatVector e = exp(arg);
        return t.mul(0.5f).mul(e).mul(err.sub(lo.mul(0.5f)).add(1f)); // exp(err − lo/2) ≈ 1 + err − lo/2
    }

    /** x·Φ(x) (exact-erf GELU), from Φ(−|x|) so the negative tail keeps its relative accuracy. */
    static FloatVector gelu(FloatVector x) {
        FloatVector half = phiNegAbs(x);                             // Φ(−|x|)
        FloatVector phi = half.blend(half.neg().add(1f), x.compare(VectorOperators.GT, 0f));
        return x.mul(phi);
    }

    static FloatVector apply(UnaryFn fn, FloatVector x) {
        return switch (fn) {
            case IDENTITY -> x;
            case GELU -> gelu(x);
            case GELU_TANH -> {
                // 0.5·x·(1 + tanh(u)) = x / (1 + e^(−2u)), u = √(2/π)·(x + 0.044715·x³)
                FloatVector u = x.mul(x).fma(c(0.044715f), c(1f)).mul(x).mul(-2f * SQRT_2_OVER_PI);
                yield x.div(exp(u).add(1f));
            }
            case QUICK_GELU -> x.div(exp(x.mul(-1.702f)).add(1f));
            case SILU -> x.div(exp(x.neg()).add(1f));
            case RELU -> x.max(0f).blend(x, x.test(VectorOperators.IS_NAN));
            case SIGMOID -> sigmoid(x);
            case TANH -> tanh(x);
            case EXP -> exp(x);
        };
    }

    /** tanh(x) = sign(x)·(1 − 2/(e^(2|x|) + 1)); below |x| < 0.55 a Taylor series avoids the cancellation. */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector e = exp(ax.mul(2f));
        FloatVector big = FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(e.add(1f)));
        // odd series x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925 + 21844x¹³/6081075
        FloatVector x2 = ax.mul(ax);
        FloatVector p = FloatVector.broadcast(S, 21844f / 6081075f);
        p = p.fma(x2, c(-1382f / 155925f));
        p = p.fma(x2, c(62f / 2835f));
        p = p.fma(x2, c(-17f / 315f));
        p = p.fma(x2, c(2f / 15f));
        p = p.fma(x2, c(-1f / 3f));
        p = p.mul(x2).fma(ax, ax);
        VectorMask<Float> small = ax.compare(VectorOperators.LT, 0.55f);
        FloatVector r = big.blend(p, small);
        r = r.blend(r.neg(), x.compare(VectorOperators.LT, 0f));
        return r.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** Scalar twin of {@link #apply}: same formulas, one lane. */
    static float apply(UnaryFn fn, float x) {
        FloatVector v = FloatVector.broadcast(S, x);
        return apply(fn, v).lane(0);
    }

    /** In place over {@code a[from, to)}. */
    public static void apply(UnaryFn fn, float[] a, int from, int to) {
        if (fn == UnaryFn.IDENTITY) {
            return;
        }
        int i = from;
        for (; i + L <= to; i += L) {
            apply(fn, FloatVector.fromArray(S, a, i)).intoArray(a, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            apply(fn, FloatVector.fromArray(S, a, i, m)).intoArray(a, i, m);
        }
    }
}
