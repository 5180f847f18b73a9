package dev.nibble.backend.cpu.svdq;

import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SvdqFastTest {
    static List<SvdqCases.Case> cases() {
        return SvdqCases.all(1234);
    }

    private static Tensor reference(SvdqCases.Case c) {
        return c.run(SvdqReference.factory().create(c.node()));
    }

    static void assertClose(Tensor want, Tensor got, double tol, String what) {
        float[] a = want.toFloatArray();
        float[] b = got.toFloatArray();
        assertEquals(a.length, b.length);
        double scale = 0;
        for (float v : a) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < a.length; i++) {
            double err = Math.abs(a[i] - b[i]);
            if (!(err <= tol * (1 + scale))) {
                throw new AssertionError(what + ": element " + i + " want " + a[i] + " got " + b[i] + " (scale " + scale + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void outputMatchesReference(SvdqCases.Case c) {
        Tensor want = reference(c);
        Tensor got = c.run(SvdqFast.factory().create(c.node()));
        assertClose(want, got, SvdqCases.tolerance(), c.name());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void integerPartIsBitExact(SvdqCases.Case c) {
        SvdqReference.Dims d = SvdqReference.Dims.of(c.node());
        Kernel k = SvdqFast.factory().create(c.node());
        SvdqFast.FastKernel fk = assertInstanceOf(SvdqFast.FastKernel.class, k);
        int groups = d.kp() / d.g();
        short[] qx = new short[d.m() * d.kp()];
        float[] sx = new float[d.m() * groups];
        int[] dots = new int[d.m() * d.n() * groups];
        fk.qxCapture = qx;
        fk.sxCapture = sx;
        fk.probe = (row, col, group, dot) -> {
            if (row < d.m() && col < d.n()) {
                dots[(row * d.n() + col) * groups + group] = dot;
            }
        };
        c.run(fk);

        float[] x = c.inputs().getFirst().toFloatArray();
        float[] smooth = c.inputs().get(3).toFloatArray();
        SvdqReference.Activations a = SvdqReference.quantize(x, d.m(), d.k(), smooth, d.g());
        short[] refQx = new short[a.qx().length];
        for (int i = 0; i < refQx.length; i++) {
            refQx[i] = a.qx()[i];
        }
        assertArrayEquals(refQx, qx, "activation codes");
        assertArrayEquals(a.sx(), sx, "activation scales");
        byte[] qw = SvdqMath.readBytes(c.inputs().get(1).data(), c.inputs().get(1).byteSize());
        assertArrayEquals(SvdqReference.groupDots(a, qw, d.n()), dots, "int group accumulators");
    }

    @Test
    void severalActivationChunksAndTiles() {
        long saved = SvdqFast.qxChunkBytes;
        try {
            SvdqFast.qxChunkBytes = 64 * 1024; // forces 128-row chunks at Kp = 256
            SvdqCases.Case c = SvdqCases.random(300, 250, 200, 16, 64, true, UnaryFn.SILU, DType.F32, 5);
            assertClose(reference(c), c.run(SvdqFast.factory().create(c.node())), SvdqCases.tolerance(), c.name());
        } finally {
            SvdqFast.qxChunkBytes = saved;
        }
    }

    @Test
    void inPlaceWeightGatherMatchesTheCopy() {
        boolean saved = SvdqPacked.copyWeights;
        try {
            for (long seed : new long[]{40, 41}) {
                SvdqCases.Case c = SvdqCases.random(70, 200, 300, 8, 64, true, UnaryFn.GELU, DType.F32, seed);
                SvdqPacked.copyWeights = false;
                SvdqFast.FastKernel k = (SvdqFast.FastKernel) SvdqFast.factory().create(c.node());
                Tensor got = c.run(k);
                assertTrue(k.packedForTest().wq == null, "gather mode");
                assertClose(reference(c), got, SvdqCases.tolerance(), c.name());
            }
        } finally {
            SvdqPacked.copyWeights = saved;
        }
    }

    @Test
    void rankZeroIsTheBareGemm() {
        SvdqCases.Case c = SvdqCases.random(9, 128, 40, 0, 64, false, UnaryFn.IDENTITY, DType.F32, 8);
        assertClose(reference(c), c.run(SvdqFast.factory().create(c.node())), SvdqCases.tolerance(), c.name());
    }

    @Test
    void packedWeightsAreSharedAndFollowTheirTensors() {
        SvdqCases.Case c = SvdqCases.random(7, 72, 65, 8, 64, true, UnaryFn.IDENTITY, DType.F32, 21);
        SvdqFast.FastKernel k1 = (SvdqFast.FastKernel) SvdqFast.factory().create(c.node());
        SvdqFast.FastKernel k2 = (SvdqFast.FastKernel) SvdqFast.factory().create(c.node());
        c.run(k1);
        c.run(k2);
        assertSame(k1.packedForTest(), k2.packedForTest(), "same weights, one pack");
        // other weights through the same kernel: repacked, still right
        SvdqCases.Case other = SvdqCases.random(7, 72, 65, 8, 64, true, UnaryFn.IDENTITY, DType.F32, 22);
        SvdqFast.FastKernel k3 = (SvdqFast.FastKernel) SvdqFast.factory().create(other.node());
        Tensor got = other.run(k1);
        assertNotSame(k2.packedForTest(), k1.packedForTest());
        assertClose(reference(other), got, SvdqCases.tolerance(), "repacked");
        assertClose(other.run(k3), got, 0, "same as a fresh kernel");
    }

    @Test
    void largeGroupsFallBackToTheReference() {
        SvdqCases.Case c = SvdqCases.random(3, 1030, 5, 2, 1024, false, UnaryFn.IDENTITY, DType.F32, 3);
        Kernel k = SvdqFast.factory().create(c.node());
        assertTrue(!(k instanceof SvdqFast.FastKernel));
        assertClose(reference(c), c.run(k), 0, c.name());
    }

    @Test
    void epilogueVectorsMatchScalar() {
        float[] xs = {-6f, -3.3f, -1f, -0.2f, 0f, 0.1f, 0.7f, 1f, 2.4f, 5f, 9f, -9f, 0.5f, -0.5f, 3f, 12f};
        for (UnaryFn fn : UnaryFn.values()) {
            float[] out = new float[SvdqFast.LF];
            for (int base = 0; base < xs.length; base += SvdqFast.LF) {
                float[] in = new float[SvdqFast.LF];
                System.arraycopy(xs, base, in, 0, Math.min(SvdqFast.LF, xs.length - base));
                System.arraycopy(in, 0, out, 0, SvdqFast.LF);
                SvdqFast.activate(fn, out, 0, SvdqFast.LF);
                for (int i = 0; i < SvdqFast.LF; i++) {
                    double want = SvdqMath.apply(fn, in[i]);
                    assertEquals(want, out[i], 3e-6 * Math.max(1, Math.abs(want)), fn + "(" + in[i] + ")");
                }
            }
        }
    }

    @Test
    void opIsTheEngineOp() {
        assertEquals(SvdqLinear.class, SvdqKernels.fast().keySet().iterator().next());
        assertEquals(SvdqLinear.class, SvdqKernels.reference().keySet().iterator().next());
    }
}
