package dev.nibble.backend.cpu.fast;

import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.BinaryFn;
import dev.nibble.engine.ops.Clamp;
import dev.nibble.engine.ops.Geglu;
import dev.nibble.engine.ops.Modulate;
import dev.nibble.engine.ops.Rope;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElementwiseKernelsTest {
    private static final int[][] SIZES = {{1}, {7}, {63}, {64}, {65}, {127}, {3, 5, 7}, {2, 100003}};

    @ParameterizedTest
    @EnumSource(UnaryFn.class)
    void unaryMatchesDouble(UnaryFn fn) {
        Random r = new Random(fn.ordinal());
        for (int[] dims : SIZES) {
            Tensor x = FastTestSupport.rand(r, DType.F32, dims);
            for (long i = 0; i < x.numel(); i++) {
                x.setFloat(i, x.getFloat(i) * 6); // span the interesting range of every function
            }
            Tensor y = FastTestSupport.run(new Unary(fn), x).get(0);
            double[] ref = new double[(int) x.numel()];
            for (int i = 0; i < ref.length; i++) {
                ref[i] = UnaryRef.apply(fn, x.getFloat(i));
            }
            FastTestSupport.assertClose(fn + " " + Shape.of(dims), ref, y, 1e-6, 1e-6);
        }
    }

    /** Relative accuracy element by element over a wide range, tails and specials included. */
    @ParameterizedTest
    @EnumSource(UnaryFn.class)
    void unaryIsAccurateEverywhere(UnaryFn fn) {
        int n = 40001;
        Tensor x = Tensor.zeros(DType.F32, Shape.of(n + 6));
        for (int i = 0; i < n; i++) {
            x.setFloat(i, -100f + 200f * i / (n - 1));
        }
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1e-30f};
        for (int i = 0; i < 6; i++) {
            x.setFloat(n + i, specials[i]);
        }
        float[] y = FastTestSupport.run(new Unary(fn), x).get(0).toFloatArray();
        for (int i = 0; i < n + 6; i++) {
            double xi = x.getFloat(i);
            double ref = UnaryRef.apply(fn, xi);
            if (Double.isNaN(ref)) {
                assertTrue(Float.isNaN(y[i]), fn + "(" + xi + ") = " + y[i] + ", expected NaN");
                continue;
            }
            double err = Math.abs(y[i] - ref);
            // relative 3e-6 down to 1e-10; in the far tails (exp arguments beyond ±23) the float rounding of
            // the argument alone is ~1e-6 of it, so 1e-4 there; below 1e-30 results may underflow
            double tol = (Math.abs(ref) >= 1e-10 ? 3e-6 : 1e-4) * Math.abs(ref) + 1e-30;
            if (fn == UnaryFn.EXP && ref > Float.MAX_VALUE) {
                assertEquals(Float.POSITIVE_INFINITY, y[i], "exp(" + xi + ")");
                continue;
            }
            assertTrue(err <= tol || (Double.isInfinite(ref) && ref == y[i]),
                    fn + "(" + xi + ") = " + y[i] + ", expected " + ref + " (rel err " + err / Math.abs(ref) + ")");
        }
    }

    @Test
    void affineAndClamp() {
        Random r = new Random(2);
        Tensor x = FastTestSupport.rand(r, DType.F32, 3, 67);
        x.setFloat(5, Float.NaN);
        Tensor y = FastTestSupport.run(new Affine(0.18215f, -0.5f), x).get(0);
        double[] ref = new double[(int) x.numel()];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = x.getFloat(i) * 0.18215f - 0.5f;
        }
        FastTestSupport.assertClose("affine", ref, y, 1e-6, 1e-6);
        Tensor c = FastTestSupport.run(new Clamp(-0.5f, 0.75f), x).get(0);
        for (int i = 0; i < ref.length; i++) {
            ref[i] = Math.min(Math.max(x.getFloat(i), -0.5f), 0.75f);
        }
        FastTestSupport.assertExact("clamp", ref, c);
    }

    @Test
    void binaryBroadcasting() {
        Random r = new Random(3);
        int[][][] cases = {
                {{7}, {7}}, {{2, 3, 65}, {2, 3, 65}}, {{2, 3, 65}, {65}}, {{2, 3, 65}, {3, 1}}, {{4, 1, 5}, {1, 6, 1}},
                {{1}, {2, 70}}, {{2, 5, 9, 9}, {2, 5, 1, 1}}, {{2, 5, 9, 9}, {1, 5, 9, 1}}, {{3, 1, 17}, {2, 1}},
                {{1, 1}, {1, 1}}, {{6, 33}, {6, 1}}};
        for (int[][] c : cases) {
            Tensor a = FastTestSupport.rand(r, DType.F32, c[0]);
            Tensor b = FastTestSupport.rand(r, DType.F32, c[1]);
            for (BinaryFn fn : BinaryFn.values()) {
                Tensor y = FastTestSupport.run(new Binary(fn), a, b).get(0);
                Shape os = y.shape();
                double[] ref = new double[(int) os.numel()];
                long[] ost = os.strides();
                for (int i = 0; i < ref.length; i++) {
                    float va = a.getFloat(index(a.shape(), os, ost, i)), vb = b.getFloat(index(b.shape(), os, ost, i));
                    ref[i] = switch (fn) {
                        case ADD -> va + vb;
                        case SUB -> va - vb;
                        case MUL -> va * vb;
                        case DIV -> va / vb;
                    };
                }
                FastTestSupport.assertExact(fn + " " + Shape.of(c[0]) + "·" + Shape.of(c[1]), ref, y);
            }
        }
    }

    /** Flat index into {@code s} (broadcast against {@code os}) of output element {@code i}. */
    static long index(Shape s, Shape os, long[] ost, long i) {
        long idx = 0, st = 1;
        for (int d = os.rank() - 1; d >= 0; d--) {
            long q = (i / ost[d]) % os.dim(d);
            int sd = d - (os.rank() - s.rank());
            if (sd >= 0) {
                if (s.dim(sd) != 1) {
                    idx += q * st;
                }
                st *= s.dim(sd);
            }
        }
        return idx;
    }

    @Test
    void geglu() {
        Random r = new Random(4);
        for (int n : new int[] {1, 7, 16, 65, 640}) {
            Tensor x = FastTestSupport.rand(r, DType.F32, 3, 2 * n);
            Tensor y = FastTestSupport.run(new Geglu(), x).get(0);
            double[] ref = new double[3 * n];
            for (int row = 0; row < 3; row++) {
                for (int j = 0; j < n; j++) {
                    ref[row * n + j] = x.getFloat(row * 2L * n + j) * UnaryRef.gelu(x.getFloat(row * 2L * n + n + j));
                }
            }
            FastTestSupport.assertClose("geglu " + n, ref, y, 1e-6, 1e-6);
        }
    }

    @Test
    void modulate() {
        Random r = new Random(5);
        for (int d : new int[] {1, 17, 64, 130}) {
            Tensor x = FastTestSupport.rand(r, DType.F32, 2, 5, d);
            Tensor sc = FastTestSupport.rand(r, DType.F32, 2, d);
            Tensor sh = FastTestSupport.rand(r, DType.F32, 2, d);
            Tensor y = FastTestSupport.run(new Modulate(), x, sc, sh).get(0);
            double[] ref = new double[(int) x.numel()];
            for (int i = 0; i < ref.length; i++) {
                int b = i / (5 * d), j = i % d;
                ref[i] = x.getFloat(i) * (1.0 + sc.getFloat(b * d + j)) + sh.getFloat(b * d + j);
            }
            FastTestSupport.assertClose("modulate " + d, ref, y, 1e-6, 1e-6);
        }
    }

    @Test
    void rope() {
        Random r = new Random(6);
        for (int d : new int[] {2, 6, 16, 34, 128}) {
            int b = 2, h = 3, l = 5;
            Tensor x = FastTestSupport.rand(r, DType.F32, b, h, l, d);
            Tensor cos = FastTestSupport.rand(r, DType.F32, l, d);
            Tensor sin = FastTestSupport.rand(r, DType.F32, l, d);
            Tensor y = FastTestSupport.run(new Rope(), x, cos, sin).get(0);
            double[] ref = new double[(int) x.numel()];
            for (int row = 0; row < b * h * l; row++) {
                int t = row % l;
                for (int i = 0; i < d; i += 2) {
                    double x0 = x.getFloat((long) row * d + i), x1 = x.getFloat((long) row * d + i + 1);
                    ref[row * d + i] = x0 * cos.getFloat((long) t * d + i) - x1 * sin.getFloat((long) t * d + i);
                    ref[row * d + i + 1] = x1 * cos.getFloat((long) t * d + i + 1) + x0 * sin.getFloat((long) t * d + i + 1);
                }
            }
            FastTestSupport.assertClose("rope " + d, ref, y, 1e-6, 1e-6);
        }
    }
}
