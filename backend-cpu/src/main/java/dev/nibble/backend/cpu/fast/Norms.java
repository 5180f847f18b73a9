package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.engine.ops.GroupNorm;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.RmsNorm;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * LayerNorm, RmsNorm, GroupNorm and Softmax, one row (or group) per task slice. Statistics are
 * two-pass (mean, then the centred sum of squares) with 16 float lanes summed at the end, so no
 * catastrophic cancellation; weights of any float type are widened into arrays made at compile time.
 */
final class Norms {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    private static final int L = 16;

    private Norms() {
    }

    private static float sum(MemorySegment x, long off, long n) {
        FloatVector acc = FloatVector.zero(S), acc2 = FloatVector.zero(S);
        long j = 0;
        for (; j + 2 * L <= n; j += 2 * L) {
            acc = acc.add(FloatVector.fromMemorySegment(S, x, (off + j) * 4, Bufs.LE));
            acc2 = acc2.add(FloatVector.fromMemorySegment(S, x, (off + j + L) * 4, Bufs.LE));
        }
        for (; j < n; j += L) {
            acc = acc.add(Elementwise.load(x, off + j, off + n));
        }
        return VMath.sumLanes(acc.add(acc2));
    }

    /** Σ (x − mean)². */
    private static float centredSquares(MemorySegment x, long off, long n, float mean) {
        FloatVector m = FloatVector.broadcast(S, mean);
        FloatVector acc = FloatVector.zero(S), acc2 = FloatVector.zero(S);
        long j = 0;
        for (; j + 2 * L <= n; j += 2 * L) {
            FloatVector a = FloatVector.fromMemorySegment(S, x, (off + j) * 4, Bufs.LE).sub(m);
            FloatVector b = FloatVector.fromMemorySegment(S, x, (off + j + L) * 4, Bufs.LE).sub(m);
            acc = a.fma(a, acc);
            acc2 = b.fma(b, acc2);
        }
        for (; j < n; j += L) {
            long e = off + n;
            FloatVector a = Elementwise.load(x, off + j, e);
            a = a.sub(m).blend(0f, S.indexInRange(off + j, e).not());
            acc = a.fma(a, acc);
        }
        return VMath.sumLanes(acc.add(acc2));
    }

    private static float squares(MemorySegment x, long off, long n) {
        FloatVector acc = FloatVector.zero(S), acc2 = FloatVector.zero(S);
        long j = 0;
        for (; j + 2 * L <= n; j += 2 * L) {
            FloatVector a = FloatVector.fromMemorySegment(S, x, (off + j) * 4, Bufs.LE);
            FloatVector b = FloatVector.fromMemorySegment(S, x, (off + j + L) * 4, Bufs.LE);
            acc = a.fma(a, acc);
            acc2 = b.fma(b, acc2);
        }
        for (; j < n; j += L) {
            FloatVector a = Elementwise.load(x, off + j, off + n);
            acc = a.fma(a, acc);
        }
        return VMath.sumLanes(acc.add(acc2));
    }

    private static float[] floats(dev.nibble.engine.graph.Node node, int input, boolean present) {
        return present ? new float[node.inputs().get(input).spec().shape().dim(0)] : null;
    }

    private static DType type(dev.nibble.engine.graph.Node node, int input, boolean present) {
        return present ? node.inputs().get(input).spec().dtype() : null;
    }

    static final CpuKernelFactory LAYER_NORM = node -> {
        LayerNorm op = (LayerNorm) node.op();
        Shape xs = node.inputs().get(0).spec().shape();
        int d = xs.last();
        long rows = d == 0 ? 0 : xs.numel() / d;
        int bi = op.hasWeight() ? 2 : 1;
        float[] w = floats(node, 1, op.hasWeight()), b = floats(node, bi, op.hasBias());
        DType wt = type(node, 1, op.hasWeight()), bt = type(node, bi, op.hasBias());
        return Bufs.serialised((in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            if (w != null) {
                Bufs.toFloats(Bufs.seg(in.get(1)), wt, 0, w, d);
            }
            if (b != null) {
                Bufs.toFloats(Bufs.seg(in.get(bi)), bt, 0, b, d);
            }
            Par.rows(rows, 3L * d, (r0, r1) -> {
                for (long r = r0; r < r1; r++) {
                    long off = r * d;
                    float mean = sum(x, off, d) / d;
                    float var = centredSquares(x, off, d, mean) / d;
                    float rstd = (float) (1 / Math.sqrt(var + op.eps()));
                    normalise(x, y, off, d, mean, rstd, w, b, 0);
                }
            });
        });
    };

    /** y = (x − mean)·rstd·w + b over one run; w/b indexed from wOff, or per-run scalars when null. */
    private static void normalise(MemorySegment x, MemorySegment y, long off, int n, float mean, float rstd,
                                  float[] w, float[] b, int wOff) {
        FloatVector m = FloatVector.broadcast(S, mean), rs = FloatVector.broadcast(S, rstd);
        for (int j = 0; j < n; j += L) {
            var mask = S.indexInRange(j, n);
            FloatVector v = Elementwise.load(x, off + j, off + n).sub(m).mul(rs);
            if (w != null) {
                v = v.mul(FloatVector.fromArray(S, w, wOff + j, mask));
            }
            if (b != null) {
                v = v.add(FloatVector.fromArray(S, b, wOff + j, mask));
            }
            Elementwise.store(v, y, off + j, off + n);
        }
    }

    static final CpuKernelFactory RMS_NORM = node -> {
        RmsNorm op = (RmsNorm) node.op();
        Shape xs = node.inputs().get(0).spec().shape();
        int d = xs.last();
        long rows = d == 0 ? 0 : xs.numel() / d;
        float[] w = floats(node, 1, op.hasWeight());
        DType wt = type(node, 1, op.hasWeight());
        return Bufs.serialised((in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            if (w != null) {
                Bufs.toFloats(Bufs.seg(in.get(1)), wt, 0, w, d);
            }
            Par.rows(rows, 2L * d, (r0, r1) -> {
                for (long r = r0; r < r1; r++) {
                    long off = r * d;
                    float ms = squares(x, off, d) / d;
                    float rstd = (float) (1 / Math.sqrt(ms + op.eps()));
                    normalise(x, y, off, d, 0f, rstd, w, null, 0);
                }
            });
        });
    };

    static final CpuKernelFactory GROUP_NORM = node -> {
        GroupNorm op = (GroupNorm) node.op();
        Shape xs = node.inputs().get(0).spec().shape();
        int b = xs.dim(0), c = xs.dim(1);
        long spatial = xs.numel() / Math.max(1, (long) b * c);
        int g = op.groups();
        int cpg = c / g;
        long groupSize = cpg * spatial;
        float[] w = floats(node, 1, op.affine()), bias = floats(node, 2, op.affine());
        DType wt = type(node, 1, op.affine()), bt = type(node, 2, op.affine());
        return Bufs.serialised((in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            if (w != null) {
                Bufs.toFloats(Bufs.seg(in.get(1)), wt, 0, w, c);
                Bufs.toFloats(Bufs.seg(in.get(2)), bt, 0, bias, c);
            }
            Par.rows((long) b * g, 3 * groupSize, (r0, r1) -> {
                for (long r = r0; r < r1; r++) {
                    long off = r * groupSize;
                    float mean = (float) (sumLong(x, off, groupSize) / groupSize);
                    float var = (float) (centredLong(x, off, groupSize, mean) / groupSize);
                    float rstd = (float) (1 / Math.sqrt(var + op.eps()));
                    int c0 = (int) (r % g) * cpg;
                    for (int ci = 0; ci < cpg; ci++) {
                        long o = off + ci * spatial;
                        if (w == null) {
                            normalise(x, y, o, (int) spatial, mean, rstd, null, null, 0);
                        } else {
                            affine(x, y, o, spatial, mean, rstd, w[c0 + ci], bias[c0 + ci]);
                        }
                    }
                }
            });
        });
    };

    /** y = ((x − mean)·rstd)·w + b over a channel's spatial run. */
    private static void affine(MemorySegment x, MemorySegment y, long off, long n, float mean, float rstd,
                               float w, float b) {
        FloatVector m = FloatVector.broadcast(S, mean), rs = FloatVector.broadcast(S, rstd);
        FloatVector wv = FloatVector.broadcast(S, w), bv = FloatVector.broadcast(S, b);
        for (long j = 0; j < n; j += L) {
            FloatVector v = Elementwise.load(x, off + j, off + n).sub(m).mul(rs).fma(wv, bv);
            Elementwise.store(v, y, off + j, off + n);
        }
    }

    /** Sums of long runs in float blocks of 4096, added in double. */
    private static double sumLong(MemorySegment x, long off, long n) {
        double s = 0;
        for (long j = 0; j < n; j += 4096) {
            s += sum(x, off + j, Math.min(4096, n - j));
        }
        return s;
    }

    private static double centredLong(MemorySegment x, long off, long n, float mean) {
        double s = 0;
        for (long j = 0; j < n; j += 4096) {
            s += centredSquares(x, off + j, Math.min(4096, n - j), mean);
        }
        return s;
    }

    static final CpuKernelFactory SOFTMAX = node -> {
        Shape xs = node.inputs().get(0).spec().shape();
        int d = xs.last();
        long rows = d == 0 ? 0 : xs.numel() / d;
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            Par.rows(rows, 8L * d, (r0, r1) -> {
                for (long r = r0; r < r1; r++) {
                    long off = r * d, end = off + d;
                    FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                    for (long j = off; j < end; j += L) {
                        FloatVector v = j + L <= end ? FloatVector.fromMemorySegment(S, x, j * 4, Bufs.LE)
                                : FloatVector.fromMemorySegment(S, x, j * 4, Bufs.LE, S.indexInRange(j, end))
                                        .blend(Float.NEGATIVE_INFINITY, S.indexInRange(j, end).not());
                        mx = mx.lanewise(VectorOperators.MAX, v);
                    }
                    FloatVector m = FloatVector.broadcast(S, mx.reduceLanes(VectorOperators.MAX));
                    FloatVector acc = FloatVector.zero(S);
                    for (long j = off; j < end; j += L) {
                        FloatVector e = VMath.exp(Elementwise.load(x, j, end).sub(m));
                        if (j + L > end) {
                            e = e.blend(0f, S.indexInRange(j, end).not());
                        }
                        Elementwise.store(e, y, j, end);
                        acc = acc.add(e);
                    }
                    FloatVector inv = FloatVector.broadcast(S, 1f / VMath.sumLanes(acc));
                    for (long j = off; j < end; j += L) {
                        Elementwise.store(Elementwise.load(y, j, end).mul(inv), y, j, end);
                    }
                }
            });
        };
    };
}
