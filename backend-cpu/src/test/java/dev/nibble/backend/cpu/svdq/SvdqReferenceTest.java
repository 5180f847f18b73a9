package dev.nibble.backend.cpu.svdq;

import dev.nibble.engine.ops.UnaryFn;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SvdqReferenceTest {
    /** K = 3 (padded to G = 4), N = 2, rank 1, by hand. */
    @Test
    void handComputedLayer() {
        float[] x = {2f, -4f, 1f};
        float[] smooth = {1f, 2f, 0.5f}; // x̂ = [2, -2, 2]; max 2, sx = 2/7; codes = [7, -7, 7, 0]
        byte[] qw = {
                SvdqMath.pack(1, -2), SvdqMath.pack(3, 0),   // row 0: [1, -2, 3, 0]
                SvdqMath.pack(-8, 7), SvdqMath.pack(0, 0)};  // row 1: [-8, 7, 0, 0]
        float[] ws = {0.5f, 0.25f};
        float[] down = {1f, 0f, 1f}; // t = x0 + x2 = 3
        float[] up = {2f, -1f};      // low rank: [6, -3]
        float[] bias = {0.5f, 1f};
        SvdqReference.Activations a = SvdqReference.quantize(x, 1, 3, smooth, 4);
        assertArrayEquals(new byte[]{7, -7, 7, 0}, a.qx());
        assertEquals(2f / 7f, a.sx()[0]);
        int[] dots = SvdqReference.groupDots(a, qw, 2);
        assertArrayEquals(new int[]{7 + 14 + 21, -56 - 49}, dots);
        float[] y = SvdqReference.forward(x, 1, 3, 2, 1, 4, qw, ws, smooth, down, up, bias, UnaryFn.IDENTITY);
        float sx = 2f / 7f;
        assertEquals(6 + sx * 0.5 * 42 + 0.5, y[0], 1e-5);
        assertEquals(-3 + sx * 0.25 * -105 + 1, y[1], 1e-5);
        float[] r = SvdqReference.forward(x, 1, 3, 2, 1, 4, qw, ws, smooth, down, up, bias, UnaryFn.RELU);
        assertEquals(0f, r[1]);
    }

    /** The reference equals the dequantised product computed another way: (sx·qx)·(ws·qw)ᵀ. */
    @Test
    void matchesDequantisedProduct() {
        SvdqCases.Case c = SvdqCases.random(7, 200, 65, 8, 64, true, UnaryFn.IDENTITY,
                dev.nibble.engine.tensor.DType.F32, 11);
        var in = c.inputs();
        int m = 7, k = 200, n = 65, r = 8, g = 64, kp = 256;
        float[] x = in.get(0).toFloatArray();
        byte[] qw = SvdqMath.readBytes(in.get(1).data(), in.get(1).byteSize());
        float[] ws = in.get(2).toFloatArray();
        float[] sm = in.get(3).toFloatArray();
        float[] down = in.get(4).toFloatArray();
        float[] up = in.get(5).toFloatArray();
        float[] bias = in.get(6).toFloatArray();
        float[] y = SvdqReference.forward(x, m, k, n, r, g, qw, ws, sm, down, up, bias, UnaryFn.IDENTITY);
        SvdqReference.Activations a = SvdqReference.quantize(x, m, k, sm, g);
        for (int i = 0; i < m; i++) {
            for (int o = 0; o < n; o++) {
                double acc = bias[o];
                for (int kk = 0; kk < kp; kk++) {
                    byte b = qw[o * kp / 2 + kk / 2];
                    int w = kk % 2 == 0 ? SvdqMath.lowNibble(b) : SvdqMath.highNibble(b);
                    acc += (double) a.sx()[i * 4 + kk / g] * a.qx()[i * kp + kk] * ws[(kk / g) * n + o] * w;
                }
                for (int j = 0; j < r; j++) {
                    double t = 0;
                    for (int kk = 0; kk < k; kk++) {
                        t += (double) x[i * k + kk] * down[kk * r + j];
                    }
                    acc += t * up[o * r + j];
                }
                assertEquals(acc, y[i * n + o], 1e-5 * (1 + Math.abs(acc)));
            }
        }
    }
}
