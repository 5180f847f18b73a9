package dev.nibble.backend.cpu.fast;

import dev.nibble.engine.ops.Concat;
import dev.nibble.engine.ops.Copy;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.ops.Pad;
import dev.nibble.engine.ops.Permute;
import dev.nibble.engine.ops.Reshape;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.ops.Upsample2x;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class MovementKernelsTest {
    static double[] d(float[] f) {
        double[] r = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            r[i] = f[i];
        }
        return r;
    }

    @Test
    void reshapeAndCopy() {
        Tensor x = FastTestSupport.rand(new Random(1), DType.F32, 3, 5, 7);
        FastTestSupport.assertExact("reshape", d(x.toFloatArray()), FastTestSupport.run(new Reshape(Shape.of(15, 7)), x).get(0));
        FastTestSupport.assertExact("copy", d(x.toFloatArray()), FastTestSupport.run(new Copy(), x).get(0));
    }

    @Test
    void concatAndSlice() {
        Random r = new Random(2);
        for (int axis = -3; axis < 3; axis++) {
            Tensor a = FastTestSupport.rand(r, DType.F32, 2, 3, 5), b = FastTestSupport.rand(r, DType.F32, 2, 3, 5);
            int ax = a.shape().axis(axis);
            Tensor y = FastTestSupport.run(new Concat(axis), a, b, a).get(0);
            Shape os = y.shape();
            double[] ref = new double[(int) os.numel()];
            long[] ost = os.strides();
            for (int i = 0; i < ref.length; i++) {
                int[] idx = new int[3];
                for (int k = 0; k < 3; k++) {
                    idx[k] = (int) (i / ost[k] % os.dim(k));
                }
                int part = idx[ax] / a.shape().dim(ax);
                idx[ax] %= a.shape().dim(ax);
                Tensor src = part == 1 ? b : a;
                ref[i] = src.getFloat((idx[0] * 3L + idx[1]) * 5 + idx[2]);
            }
            FastTestSupport.assertExact("concat axis " + axis, ref, y);
            // slice the middle part back out
            int n = a.shape().dim(ax);
            Tensor s = FastTestSupport.run(new Slice(axis, n, 2 * n), y).get(0);
            FastTestSupport.assertExact("slice axis " + axis, d(b.toFloatArray()), s);
        }
        // other dtypes move bit for bit
        Tensor ids = Tensor.ofLongs(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
        Tensor c = FastTestSupport.run(new Concat(1), ids, ids).get(0);
        assertArrayEquals(new long[] {1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}, c.toLongArray());
        Tensor h = FastTestSupport.rand(r, DType.BF16, 4, 6);
        Tensor hs = FastTestSupport.run(new Slice(1, 1, 4), h).get(0);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                assertArrayEquals(new float[] {h.getFloat(i * 6L + j + 1)}, new float[] {hs.getFloat(i * 3L + j)});
            }
        }
    }

    @Test
    void permutes() {
        Random r = new Random(3);
        int[][] shapes = {{2, 3, 4, 5}, {1, 65, 7, 33}, {2, 70, 1, 40}, {3, 1, 1, 2}, {4, 130, 66, 1}};
        int[][] perms = {{0, 2, 1, 3}, {0, 2, 3, 1}, {0, 3, 1, 2}, {3, 2, 1, 0}, {1, 0, 3, 2}, {0, 1, 2, 3}, {2, 0, 3, 1}};
        for (int[] s : shapes) {
            for (DType t : new DType[] {DType.F32, DType.BF16}) {
                Tensor x = FastTestSupport.rand(r, t, s);
                for (int[] p : perms) {
                    Tensor y = FastTestSupport.run(Permute.of(p), x).get(0);
                    Shape os = y.shape();
                    long[] ost = os.strides(), xst = x.shape().strides();
                    double[] ref = new double[(int) os.numel()];
                    for (int i = 0; i < ref.length; i++) {
                        long src = 0;
                        for (int k = 0; k < 4; k++) {
                            src += (i / ost[k] % os.dim(k)) * xst[p[k]];
                        }
                        ref[i] = x.getFloat(src);
                    }
                    FastTestSupport.assertExact("permute " + Shape.of(s) + " " + List.of(p[0], p[1], p[2], p[3]) + " " + t,
                            ref, y.to(DType.F32));
                }
            }
        }
        // 3-d transposes with I64
        Tensor ids = Tensor.zeros(DType.I64, Shape.of(3, 37, 41));
        for (long i = 0; i < ids.numel(); i++) {
            ids.data().setAtIndex(Tensor.I64, i, i * 7919);
        }
        Tensor t = FastTestSupport.run(Permute.of(0, 2, 1), ids).get(0);
        for (int b = 0; b < 3; b++) {
            for (int i = 0; i < 41; i++) {
                for (int j = 0; j < 37; j++) {
                    if (t.getLong((b * 41L + i) * 37 + j) != ids.getLong((b * 37L + j) * 41 + i)) {
                        throw new AssertionError("I64 transpose at " + b + "," + i + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void upsample() {
        Random r = new Random(4);
        for (int w : new int[] {1, 7, 16, 33, 64}) {
            Tensor x = FastTestSupport.rand(r, DType.F32, 2, 3, 5, w);
            Tensor y = FastTestSupport.run(new Upsample2x(), x).get(0);
            double[] ref = new double[(int) y.numel()];
            for (int p = 0; p < 6; p++) {
                for (int yy = 0; yy < 10; yy++) {
                    for (int xx = 0; xx < 2 * w; xx++) {
                        ref[(p * 10 + yy) * 2 * w + xx] = x.getFloat((p * 5L + yy / 2) * w + xx / 2);
                    }
                }
            }
            FastTestSupport.assertExact("upsample " + w, ref, y);
        }
    }

    @Test
    void pad() {
        Random r = new Random(5);
        Tensor x = FastTestSupport.rand(r, DType.F32, 2, 3, 5, 7);
        Pad op = new Pad(List.of(0, 1, 0, 2), List.of(1, 0, 3, 1), -2.5f);
        Tensor y = FastTestSupport.run(op, x).get(0);
        Shape os = y.shape();
        long[] ost = os.strides();
        double[] ref = new double[(int) os.numel()];
        for (int i = 0; i < ref.length; i++) {
            int[] idx = new int[4];
            boolean inside = true;
            long src = 0;
            long[] xst = x.shape().strides();
            for (int k = 0; k < 4; k++) {
                idx[k] = (int) (i / ost[k] % os.dim(k)) - op.before().get(k);
                inside &= idx[k] >= 0 && idx[k] < x.shape().dim(k);
                src += idx[k] * xst[k];
            }
            ref[i] = inside ? x.getFloat(src) : -2.5f;
        }
        FastTestSupport.assertExact("pad", ref, y);
    }

    @Test
    void embedding() {
        Random r = new Random(6);
        for (DType t : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            Tensor table = FastTestSupport.rand(r, t, 50, 33);
            Tensor ids = Tensor.ofLongs(Shape.of(2, 3), 0, 49, 7, 7, 1, 20);
            Tensor y = FastTestSupport.run(new Embedding(), table, ids).get(0);
            double[] ref = new double[6 * 33];
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 33; j++) {
                    ref[i * 33 + j] = table.getFloat(ids.getLong(i) * 33 + j);
                }
            }
            FastTestSupport.assertExact("embedding " + t, ref, y);
            Tensor ids32 = Tensor.zeros(DType.I32, Shape.of(6));
            for (int i = 0; i < 6; i++) {
                ids32.data().setAtIndex(Tensor.I32, i, (int) ids.getLong(i));
            }
            FastTestSupport.assertExact("embedding i32 " + t, ref, FastTestSupport.run(new Embedding(), table, ids32).get(0));
        }
    }
}
