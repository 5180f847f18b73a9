package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.BinaryFn;
import dev.nibble.engine.ops.Clamp;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.Shape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/** Element-wise kernels: Unary, Affine, Clamp, Binary (broadcasting), Geglu, Modulate, Rope. */
final class Elementwise {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final int L = 16;

    private Elementwise() {
    }

    static FloatVector load(MemorySegment s, long i, long end) {
        if (i + L <= end) {
            return FloatVector.fromMemorySegment(S, s, i * 4, Bufs.LE);
        }
        return FloatVector.fromMemorySegment(S, s, i * 4, Bufs.LE, S.indexInRange(i, end));
    }

    static void store(FloatVector v, MemorySegment s, long i, long end) {
        if (i + L <= end) {
            v.intoMemorySegment(s, i * 4, Bufs.LE);
        } else {
            v.intoMemorySegment(s, i * 4, Bufs.LE, S.indexInRange(i, end));
        }
    }

    // ---- Unary, Affine, Clamp ------------------------------------------------------------------

    static final CpuKernelFactory UNARY = node -> {
        UnaryFn fn = ((Unary) node.op()).fn();
        long n = node.inputs().get(0).spec().shape().numel();
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            Par.range(n, fn == UnaryFn.IDENTITY ? Par.GRAIN : Par.GRAIN / 8, (a, b) -> {
                for (long i = a; i < b; i += L) {
                    store(VMath.apply(fn, load(x, i, b)), y, i, b);
                }
            });
        };
    };

    static final CpuKernelFactory AFFINE = node -> {
        Affine op = (Affine) node.op();
        long n = node.inputs().get(0).spec().shape().numel();
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            FloatVector sc = FloatVector.broadcast(S, op.scale()), sh = FloatVector.broadcast(S, op.shift());
            Par.range(n, Par.GRAIN, (a, b) -> {
                for (long i = a; i < b; i += L) {
                    store(load(x, i, b).fma(sc, sh), y, i, b);
                }
            });
        };
    };

    static final CpuKernelFactory CLAMP = node -> {
        Clamp op = (Clamp) node.op();
        long n = node.inputs().get(0).spec().shape().numel();
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            FloatVector lo = FloatVector.broadcast(S, op.min()), hi = FloatVector.broadcast(S, op.max());
            Par.range(n, Par.GRAIN, (a, b) -> {
                for (long i = a; i < b; i += L) {
                    // Math.min(Math.max(x, min), max): NaN stays NaN, min > max gives max (as torch.clamp)
                    store(load(x, i, b).lanewise(VectorOperators.MAX, lo).lanewise(VectorOperators.MIN, hi), y, i, b);
                }
            });
        };
    };

    // ---- Binary with broadcasting ---------------------------------------------------------------

    static final CpuKernelFactory BINARY = Elementwise::binary;

    private static dev.nibble.engine.spi.Kernel binary(Node node) {
        BinaryFn fn = ((Binary) node.op()).fn();
        Shape as = node.inputs().get(0).spec().shape(), bs = node.inputs().get(1).spec().shape();
        Shape os = node.outputs().get(0).spec().shape();
        int r = os.rank();
        long[] dims = new long[r], sa = new long[r], sb = new long[r];
        long[] stA = stridesAligned(as, r), stB = stridesAligned(bs, r);
        for (int i = 0; i < r; i++) {
            dims[i] = os.dim(i);
            sa[i] = dimAligned(as, r, i) == 1 ? 0 : stA[i];
            sb[i] = dimAligned(bs, r, i) == 1 ? 0 : stB[i];
        }
        // coalesce adjacent axes that both operands walk the same way
        int k = 0;
        long[] cd = new long[Math.max(r, 1)], ca = new long[Math.max(r, 1)], cb = new long[Math.max(r, 1)];
        for (int i = 0; i < r; i++) {
            if (dims[i] == 1) {
                continue;
            }
            if (k > 0 && ca[k - 1] == sa[i] * dims[i] && cb[k - 1] == sb[i] * dims[i]) {
                cd[k - 1] *= dims[i];
                ca[k - 1] = sa[i];
                cb[k - 1] = sb[i];
            } else {
                cd[k] = dims[i];
                ca[k] = sa[i];
                cb[k] = sb[i];
                k++;
            }
        }
        if (k == 0) {
            cd[0] = 1;
            ca[0] = 0;
            cb[0] = 0;
            k = 1;
        }
        final int rank = k;
        final long inner = cd[rank - 1], ia = ca[rank - 1], ib = cb[rank - 1];
        final long[] od = java.util.Arrays.copyOf(cd, rank - 1), oa = java.util.Arrays.copyOf(ca, rank - 1),
                ob = java.util.Arrays.copyOf(cb, rank - 1);
        long outerN = 1;
        for (long d : od) {
            outerN *= d;
        }
        final long outer = outerN;
        boolean innerOk = (ia == 0 || ia == 1) && (ib == 0 || ib == 1);
        return (in, out) -> {
            MemorySegment a = Bufs.seg(in.get(0)), b = Bufs.seg(in.get(1)), y = Bufs.seg(out.get(0));
            Par.rows(outer, inner, (r0, r1) -> {
                for (long row = r0; row < r1; row++) {
                    // offsets of this row in a and b
                    long rem = row, offA = 0, offB = 0;
                    for (int d = od.length - 1; d >= 0; d--) {
                        long q = rem % od[d];
                        rem /= od[d];
                        offA += q * oa[d];
                        offB += q * ob[d];
                    }
                    long offY = row * inner;
                    if (innerOk) {
                        binaryRun(fn, a, offA, ia, b, offB, ib, y, offY, inner);
                    } else {
                        for (long j = 0; j < inner; j++) {
                            float v = apply(fn, a.getAtIndex(Bufs.F32, offA + j * ia), b.getAtIndex(Bufs.F32, offB + j * ib));
                            y.setAtIndex(Bufs.F32, offY + j, v);
                        }
                    }
                }
            });
        };
    }

    private static long[] stridesAligned(Shape s, int r) {
        long[] st = s.strides();
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            int j = i - (r - s.rank());
            out[i] = j < 0 ? 0 : st[j];
        }
        return out;
    }

    private static int dimAligned(Shape s, int r, int i) {
        int j = i - (r - s.rank());
        return j < 0 ? 1 : s.dim(j);
    }

    static float apply(BinaryFn fn, float a, float b) {
        return switch (fn) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }

    static FloatVector apply(BinaryFn fn, FloatVector a, FloatVector b) {
        return switch (fn) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
        };
    }

    /** One run of n outputs; each operand advances by 1 or stays (stride 0). */
    private static void binaryRun(BinaryFn fn, MemorySegment a, long oa, long sa, MemorySegment b, long ob, long sb,
                                  MemorySegment y, long oy, long n) {
        FloatVector ca = sa == 0 ? FloatVector.broadcast(S, a.getAtIndex(Bufs.F32, oa)) : null;
        FloatVector cb = sb == 0 ? FloatVector.broadcast(S, b.getAtIndex(Bufs.F32, ob)) : null;
        long j = 0;
        for (; j + L <= n; j += L) {
            FloatVector va = ca != null ? ca : FloatVector.fromMemorySegment(S, a, (oa + j) * 4, Bufs.LE);
            FloatVector vb = cb != null ? cb : FloatVector.fromMemorySegment(S, b, (ob + j) * 4, Bufs.LE);
            apply(fn, va, vb).intoMemorySegment(y, (oy + j) * 4, Bufs.LE);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector va = ca != null ? ca : FloatVector.fromMemorySegment(S, a, (oa + j) * 4, Bufs.LE, m);
            FloatVector vb = cb != null ? cb : FloatVector.fromMemorySegment(S, b, (ob + j) * 4, Bufs.LE, m);
            apply(fn, va, vb).intoMemorySegment(y, (oy + j) * 4, Bufs.LE, m);
        }
    }

    // ---- Geglu, Modulate, Rope -----------------------------------------------------------------

    static final CpuKernelFactory GEGLU = node -> {
        Shape xs = node.inputs().get(0).spec().shape();
        int n2 = xs.last();
        int n = n2 / 2;
        long rows = n2 == 0 ? 0 : xs.numel() / n2;
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            Par.rows(rows, n2 * 4L, (r0, r1) -> {
                for (long r = r0; r < r1; r++) {
                    long xa = r * n2, xg = xa + n, yo = r * n;
                    for (long j = 0; j < n; j += L) {
                        FloatVector a = load(x, xa + j, xa + n);
                        FloatVector g = load(x, xg + j, xg + n);
                        store(a.mul(VMath.gelu(g)), y, yo + j, yo + n);
                    }
                }
            });
        };
    };

    static final CpuKernelFactory MODULATE = node -> {
        Shape xs = node.inputs().get(0).spec().shape();
        int b = xs.dim(0), l = xs.dim(1), d = xs.dim(2);
        float[] onePlus = new float[b * d];
        return Bufs.serialised((in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), sc = Bufs.seg(in.get(1)), sh = Bufs.seg(in.get(2)), y = Bufs.seg(out.get(0));
            for (int i = 0; i < b * d; i++) {
                onePlus[i] = 1f + sc.getAtIndex(Bufs.F32, i);
            }
            Par.rows((long) b * l, d, (r0, r1) -> {
                for (long r = r0; r < r1; r++) {
                    int bi = (int) (r / l);
                    long xo = r * d;
                    int so = bi * d;
                    for (int j = 0; j < d; j += L) {
                        VectorMask<Float> m = S.indexInRange(j, d);
                        FloatVector s1 = FloatVector.fromArray(S, onePlus, so + j, m);
                        FloatVector t = FloatVector.fromMemorySegment(S, sh, (long) (so + j) * 4, Bufs.LE, m);
                        store(load(x, xo + j, xo + d).fma(s1, t), y, xo + j, xo + d);
                    }
                }
            });
        });
    };

    private static final VectorShuffle<Float> PAIR_SWAP = VectorShuffle.fromOp(S, i -> i ^ 1);
    private static final FloatVector ALT_SIGN = FloatVector.fromArray(S,
            new float[] {-1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1}, 0);

    static final CpuKernelFactory ROPE = node -> {
        Shape xs = node.inputs().get(0).spec().shape();
        int l = xs.dim(2), d = xs.dim(3);
        long rows = xs.numel() / Math.max(1, d);
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), cos = Bufs.seg(in.get(1)), sin = Bufs.seg(in.get(2)), y = Bufs.seg(out.get(0));
            Par.rows(rows, d * 3L, (r0, r1) -> {
                for (long r = r0; r < r1; r++) {
                    long xo = r * d;
                    long to = (r % l) * d;
                    for (int j = 0; j < d; j += L) {
                        FloatVector v = load(x, xo + j, xo + d);
                        FloatVector c = load(cos, to + j, to + d);
                        FloatVector s = load(sin, to + j, to + d);
                        // out[2i] = x[2i]·c − x[2i+1]·s ; out[2i+1] = x[2i+1]·c + x[2i]·s
                        FloatVector sw = v.rearrange(PAIR_SWAP).mul(ALT_SIGN);
                        store(v.mul(c).add(sw.mul(s)), y, xo + j, xo + d);
                    }
                }
            });
        };
    };
}
