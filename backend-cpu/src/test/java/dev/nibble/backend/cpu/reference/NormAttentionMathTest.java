package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.ops.GroupNorm;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.RmsNorm;
import dev.nibble.engine.ops.Rope;
import dev.nibble.engine.ops.Softmax;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.nibble.backend.cpu.reference.RefOps.dims;
import static dev.nibble.backend.cpu.reference.RefOps.runFloats;
import static dev.nibble.backend.cpu.reference.RefOps.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Softmax, the norms, attention and rope against hand-computed values. */
class NormAttentionMathTest {
    @Test
    void softmaxOfAKnownVectorAndItsShiftInvariance() {
        float[] expected = {0.09003057317038046f, 0.24472847105479767f, 0.6652409557748219f};
        assertArrayEquals(expected, runFloats(new Softmax(), t(dims(1, 3), 1, 2, 3)), 1e-7f);
        assertArrayEquals(expected, runFloats(new Softmax(), t(dims(1, 3), 1001, 1002, 1003)), 1e-7f);
        assertArrayEquals(new float[] {0.5f, 0.5f}, runFloats(new Softmax(), t(dims(1, 2), 7, 7)));
        assertArrayEquals(new float[] {1, 1, 1}, runFloats(new Softmax(), t(dims(3, 1), -5, 0, 5)));
    }

    @Test
    void groupNormByHand() {
        // channels [1,3] [5,7] | [0,0] [2,−2]; group 0: mean 4, var 5; group 1: mean 0, var 2
        Tensor x = t(dims(1, 4, 1, 2), 1, 3, 5, 7, 0, 0, 2, -2);
        double s5 = Math.sqrt(5 + 1e-5), s2 = Math.sqrt(2 + 1e-5);
        float[] plain = f(-3 / s5, -1 / s5, 1 / s5, 3 / s5, 0, 0, 2 / s2, -2 / s2);
        assertArrayEquals(plain, runFloats(new GroupNorm(2, 1e-5f, false), x), 1e-6f);
        Tensor w = t(dims(4), 1, 2, 1, 0.5f), b = t(dims(4), 0, 1, 0, -1);
        float[] affine = f(-3 / s5, -1 / s5, 2 / s5 + 1, 6 / s5 + 1, 0, 0, 1 / s2 - 1, -1 / s2 - 1);
        assertArrayEquals(affine, runFloats(new GroupNorm(2, 1e-5f, true), x, w, b), 1e-6f);
    }

    @Test
    void layerNormByHand() {
        Tensor x = t(dims(1, 4), 1, 2, 3, 4); // mean 2.5, variance 1.25
        double s = Math.sqrt(1.25 + 1e-6);
        assertArrayEquals(f(-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s), runFloats(new LayerNorm(1e-6f, false, false), x), 1e-6f);
        assertArrayEquals(f(-1.5 / s + 1, -0.5 / s + 1, 0.5 / s + 1, 1.5 / s + 1),
                runFloats(new LayerNorm(1e-6f, false, true), x, t(dims(4), 1, 1, 1, 1)), 1e-6f);
        assertArrayEquals(f(-3 / s, 0, 0.5 / s, 1.5 / s + 2),
                runFloats(new LayerNorm(1e-6f, true, true), x, t(dims(4), 2, 0, 1, 1), t(dims(4), 0, 0, 0, 2)), 1e-6f);
    }

    @Test
    void rmsNormByHand() {
        double rms = Math.sqrt(12.5 + 1e-6); // [3, 4]: mean square 12.5
        assertArrayEquals(f(3 / rms, 4 / rms), runFloats(new RmsNorm(1e-6f, false), t(dims(1, 2), 3, 4)), 1e-6f);
        assertArrayEquals(f(6 / rms, -4 / rms), runFloats(new RmsNorm(1e-6f, true), t(dims(1, 2), 3, 4), t(dims(2), 2, -1)), 1e-6f);
    }

    // q = 1 for both queries, keys 0 and ln 3: open rows weigh values [2, 6] as 1/4, 3/4 → 5
    private static final Tensor Q = t(dims(1, 1, 2, 1), 1, 1);
    private static final Tensor K = t(dims(1, 1, 2, 1), 0, (float) Math.log(3));
    private static final Tensor V = t(dims(1, 1, 2, 1), 2, 6);

    @Test
    void attentionByHand() {
        assertArrayEquals(new float[] {5, 5}, runFloats(new Attention(1, false, false), Q, K, V), 1e-6f);
        assertArrayEquals(new float[] {2, 5}, runFloats(new Attention(1, true, false), Q, K, V), 1e-6f);
        // scale 2 with keys halved gives the same scores
        Tensor kHalf = t(dims(1, 1, 2, 1), 0, (float) (Math.log(3) / 2));
        assertArrayEquals(new float[] {2, 5}, runFloats(new Attention(2, true, false), Q, kHalf, V), 1e-6f);
    }

    @Test
    void attentionMasksBroadcastAndAdd() {
        Tensor padding = t(dims(1, 1, 1, 2), 0, Float.NEGATIVE_INFINITY);
        assertArrayEquals(new float[] {2, 2}, runFloats(new Attention(1, false, true), Q, K, V, padding), 1e-6f);
        // a per-query bias: row 0 gets +ln 3 on key 0 (weights 1/2, 1/2 → 4), row 1 none (→ 5)
        Tensor bias = t(dims(1, 1, 2, 2), (float) Math.log(3), 0, 0, 0);
        assertArrayEquals(new float[] {4, 5}, runFloats(new Attention(1, false, true), Q, K, V, bias), 1e-6f);
    }

    @Test
    void ropeRotatesInterleavedPairs() {
        Tensor x = t(dims(1, 1, 1, 4), 1, 2, 3, 4);
        float c = 0.5f, s = (float) (Math.sqrt(3) / 2);
        // pair 0 by 90°, pair 1 by 60°
        Tensor cos = t(dims(1, 4), 0, 0, c, c), sin = t(dims(1, 4), 1, 1, s, s);
        assertArrayEquals(f(-2, 1, 3 * c - 4 * s, 4 * c + 3 * s), runFloats(new Rope(), x, cos, sin), 1e-6f);
    }

    private static float[] f(double... v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
