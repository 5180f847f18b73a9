package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.BinaryFn;
import dev.nibble.engine.ops.Cast;
import dev.nibble.engine.ops.Clamp;
import dev.nibble.engine.ops.Concat;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.ops.Geglu;
import dev.nibble.engine.ops.Modulate;
import dev.nibble.engine.ops.Pad;
import dev.nibble.engine.ops.Permute;
import dev.nibble.engine.ops.Reduce;
import dev.nibble.engine.ops.ReduceFn;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.ops.TimestepEmbedding;
import dev.nibble.engine.ops.Upsample2x;
import dev.nibble.engine.spi.KernelException;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.nibble.backend.cpu.reference.RefOps.dims;
import static dev.nibble.backend.cpu.reference.RefOps.run;
import static dev.nibble.backend.cpu.reference.RefOps.runFloats;
import static dev.nibble.backend.cpu.reference.RefOps.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Timestep embedding, broadcasting, gathers, conversions and data movement by hand. */
class MiscMathTest {
    @Test
    void timestepEmbeddingClosedForm() {
        // dim 4, half 2: freq_j = 10000^(−j/2) = [1, 0.01]
        Tensor ts = t(dims(3), 0, 1, 10);
        float[] y = runFloats(new TimestepEmbedding(4, false, 0, 1, 10000), ts);
        for (int b = 0; b < 3; b++) {
            double tt = ts.getFloat(b);
            float[] row = {(float) Math.sin(tt), (float) Math.sin(0.01 * tt), (float) Math.cos(tt), (float) Math.cos(0.01 * tt)};
            assertArrayEquals(row, java.util.Arrays.copyOfRange(y, 4 * b, 4 * b + 4), 1e-6f, "t=" + tt);
        }
        // flipped: [cos, sin]; shift 1: freq = 10000^(−j/(2−1)) = [1, 1e−4]; scale 2 doubles the argument
        float[] f = runFloats(new TimestepEmbedding(4, true, 1, 2, 10000), t(dims(1), 10));
        assertArrayEquals(new float[] {(float) Math.cos(20), (float) Math.cos(20e-4), (float) Math.sin(20), (float) Math.sin(20e-4)},
                f, 1e-6f);
        // odd dims end in a zero column
        float[] odd = runFloats(new TimestepEmbedding(5, false, 0, 1, 10000), t(dims(1), 1));
        assertEquals(5, odd.length);
        assertEquals(0f, odd[4]);
        assertEquals((float) Math.cos(1), odd[2], 1e-7f);
    }

    @Test
    void timestepEmbeddingFollowsDiffusersFloat32Arithmetic() {
        // SDXL's time_proj at t = 999: the argument is float(999 · float(exp(float(−ln 1e4 · j) / 160)))
        float[] y = runFloats(new TimestepEmbedding(320, true, 0, 1, 10000), t(dims(1), 999));
        int j = 37;
        float freq = (float) Math.exp(((float) -Math.log(10000) * j) / 160f);
        float arg = 999f * freq;
        assertEquals((float) Math.cos(arg), y[j]);
        assertEquals((float) Math.sin(arg), y[160 + j]);
    }

    @Test
    void binaryBroadcastsLikeNumpy() {
        Tensor a = t(dims(2, 1, 3), 1, 2, 3, 4, 5, 6);
        Tensor b = t(dims(4, 1), 10, 20, 30, 40);
        float[] y = runFloats(new Binary(BinaryFn.ADD), a, b); // [2, 4, 3]
        assertEquals(24, y.length);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 4; j++) {
                for (int k = 0; k < 3; k++) {
                    assertEquals(a.getFloat(i * 3 + k) + b.getFloat(j), y[(i * 4 + j) * 3 + k]);
                }
            }
        }
        Tensor scalar = Tensor.ofFloats(Shape.scalar(), 2);
        assertArrayEquals(new float[] {2, 4, 6, 8}, runFloats(new Binary(BinaryFn.MUL), scalar, t(dims(2, 2), 1, 2, 3, 4)));
        assertArrayEquals(new float[] {-1, 0, 1}, runFloats(new Binary(BinaryFn.SUB), t(dims(3), 1, 2, 3), t(dims(1), 2)));
        float[] div = runFloats(new Binary(BinaryFn.DIV), t(dims(3), 1, -1, 0), t(dims(1), 0));
        assertEquals(Float.POSITIVE_INFINITY, div[0]);
        assertEquals(Float.NEGATIVE_INFINITY, div[1]);
        assertTrue(Float.isNaN(div[2]));
    }

    @Test
    void embeddingGathersRowsForI64AndI32Ids() {
        Tensor table = t(dims(3, 2), 0, 1, 10, 11, 20, 21).to(DType.F16);
        Tensor ids = Tensor.ofLongs(Shape.of(2, 2), 2, 0, 1, 2);
        assertArrayEquals(new float[] {20, 21, 0, 1, 10, 11, 20, 21}, runFloats(new Embedding(), table, ids));
        Tensor ids32 = run(new Cast(DType.I32), ids);
        assertArrayEquals(new float[] {20, 21, 0, 1, 10, 11, 20, 21}, runFloats(new Embedding(), table, ids32));
    }

    @Test
    void embeddingIdOutOfRangeNamesTheNodeAndTheId() {
        Tensor table = t(dims(3, 2), 0, 1, 10, 11, 20, 21);
        KernelException e = assertThrows(KernelException.class,
                () -> run(new Embedding(), table, Tensor.ofLongs(Shape.of(3), 0, 3, 1)));
        assertTrue(e.getMessage().contains("Embedding#0[test.Embedding]") && e.getMessage().contains("id 3 at position 1")
                && e.getMessage().contains("3 rows"), e.getMessage());
        assertThrows(KernelException.class, () -> run(new Embedding(), table, Tensor.ofLongs(Shape.of(1), -1)));
    }

    @Test
    void castTruncatesTowardZeroAndRoundsToNearestEven() {
        Tensor x = t(dims(4), 2.7f, -2.7f, 0.5f, -0.5f);
        assertArrayEquals(new long[] {2, -2, 0, 0}, run(new Cast(DType.I64), x).toLongArray());
        assertArrayEquals(new long[] {2, -2, 0, 0}, run(new Cast(DType.I32), x).toLongArray());
        // 1 + 2^-8 is halfway between two bfloat16 values: ties to even (1.0); 1 + 3·2^-8 rounds up
        Tensor h = t(dims(2), 1 + 1f / 256, 1 + 3f / 256);
        assertArrayEquals(new float[] {1f, 1 + 4f / 256}, run(new Cast(DType.BF16), h).toFloatArray());
        Tensor big = Tensor.ofLongs(Shape.of(2), (1L << 24) + 1, -7);
        assertArrayEquals(new float[] {1L << 24, -7}, run(new Cast(DType.F32), big).toFloatArray());
        assertEquals(Float.POSITIVE_INFINITY, run(new Cast(DType.F16), t(dims(1), 70000)).getFloat(0));
    }

    @Test
    void reduceAlongAnAxis() {
        Tensor x = t(dims(2, 3), 1, 5, 3, -4, 0, 2);
        assertArrayEquals(new float[] {9, -2}, runFloats(new Reduce(ReduceFn.SUM, 1, false), x));
        assertArrayEquals(new float[] {3, -2f / 3}, runFloats(new Reduce(ReduceFn.MEAN, -1, true), x), 1e-7f);
        assertArrayEquals(new float[] {1, 5, 3}, runFloats(new Reduce(ReduceFn.MAX, 0, false), x));
        assertArrayEquals(new float[] {-4, 0, 2}, runFloats(new Reduce(ReduceFn.MIN, 0, true), x));
        assertEquals(Shape.of(2, 1), run(new Reduce(ReduceFn.SUM, 1, true), x).shape());
    }

    @Test
    void elementwiseSmallOps() {
        assertArrayEquals(new float[] {-1, 0.5f, 1}, runFloats(new Clamp(-1, 1), t(dims(3), -3, 0.5f, 9)));
        assertTrue(Float.isNaN(runFloats(new Clamp(-1, 1), t(dims(1), Float.NaN))[0]));
        assertArrayEquals(new float[] {1, 3}, runFloats(new Affine(2, 1), t(dims(2), 0, 1)));
        // geglu: [a | g] → a · gelu(g); gelu(1) = Φ(1), gelu(0) = 0
        assertArrayEquals(new float[] {2 * 0.8413447460685429f, 0}, runFloats(new Geglu(), t(dims(1, 4), 2, 5, 1, 0)), 1e-6f);
        // modulate: x · (1 + scale[b]) + shift[b]
        Tensor x = t(dims(2, 1, 2), 1, 2, 3, 4);
        assertArrayEquals(new float[] {2, 1 + 2, 3 * 0.5f, -1 + 4},
                runFloats(new Modulate(), x, t(dims(2, 2), 1, 0, -0.5f, 0), t(dims(2, 2), 0, 1, 0, -1)));
    }

    @Test
    void dataMovement() {
        Tensor x = t(dims(2, 3), 1, 2, 3, 4, 5, 6);
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, runFloats(Permute.of(1, 0), x));
        assertArrayEquals(new float[] {2, 3, 5, 6}, runFloats(new Slice(1, 1, 3), x));
        assertArrayEquals(new float[] {4, 5, 6}, runFloats(new Slice(0, 1, 2), x));
        assertArrayEquals(new float[] {1, 2, 3, 9, 4, 5, 6, 9}, runFloats(new Concat(-1), x, t(dims(2, 1), 9, 9)));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, runFloats(new Concat(0), x, t(dims(1, 3), 7, 8, 9)));
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0},
                runFloats(new Pad(List.of(1, 0), List.of(0, 1), 0), x));
        assertArrayEquals(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4},
                runFloats(new Upsample2x(), t(dims(1, 1, 2, 2), 1, 2, 3, 4)));
        Tensor ids = Tensor.ofLongs(Shape.of(2, 2), 1, 2, 3, 4);
        assertArrayEquals(new long[] {1, 3, 2, 4}, run(Permute.of(1, 0), ids).toLongArray());
    }
}
