package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Concat;
import dev.nibble.engine.ops.Pad;
import dev.nibble.engine.ops.Permute;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Data movement: Reshape/Copy (one bulk copy), Concat and Slice (bulk copies of contiguous runs),
 * Permute (coalesced axes; runs copied in bulk when the innermost axis stays put, else 32×32
 * blocked transposes), Upsample2x (lane-doubling shuffles), Pad (fill + interior copies) and
 * Embedding (row gathers with widening). Exact for every dtype of whole bytes.
 */
final class Movement {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;

    private Movement() {
    }

    /** Data movement of sub-byte types (INT4) is left to the reference kernels. */
    static boolean wholeBytes(TensorSpec s) {
        return s.dtype().bits() % 8 == 0;
    }

    static final CpuKernelFactory COPY = node -> {
        long bytes = node.inputs().get(0).spec().byteSize();
        return (in, out) -> copy(Bufs.seg(in.get(0)), 0, Bufs.seg(out.get(0)), 0, bytes);
    };

    /** A bulk copy, split over the pool when large. */
    static void copy(MemorySegment src, long so, MemorySegment dst, long d, long bytes) {
        if (bytes < (1 << 20)) {
            MemorySegment.copy(src, so, dst, d, bytes);
            return;
        }
        Par.range(bytes / 64, 1 << 14, (a, b) -> {
            long from = a * 64, to = b == bytes / 64 ? bytes : b * 64;
            MemorySegment.copy(src, so + from, dst, d + from, to - from);
        });
    }

    static final CpuKernelFactory CONCAT = node -> {
        Concat op = (Concat) node.op();
        Shape os = node.outputs().get(0).spec().shape();
        int a = os.axis(op.axis());
        long esz = node.outputs().get(0).spec().dtype().bits() / 8;
        long outer = os.outer(a);
        long innerBytes = os.inner(a) * esz;
        int parts = node.inputs().size();
        long[] run = new long[parts];
        long total = 0;
        for (int i = 0; i < parts; i++) {
            run[i] = node.inputs().get(i).spec().shape().dim(a) * innerBytes;
            total += run[i];
        }
        final long rowBytes = total;
        return (in, out) -> {
            MemorySegment y = Bufs.seg(out.get(0));
            MemorySegment[] xs = new MemorySegment[parts];
            for (int i = 0; i < parts; i++) {
                xs[i] = Bufs.seg(in.get(i));
            }
            Par.rows(outer, rowBytes / 4, (r0, r1) -> {
                for (long r = r0; r < r1; r++) {
                    long d = r * rowBytes;
                    for (int i = 0; i < parts; i++) {
                        MemorySegment.copy(xs[i], r * run[i], y, d, run[i]);
                        d += run[i];
                    }
                }
            });
        };
    };

    static final CpuKernelFactory SLICE = node -> {
        Slice op = (Slice) node.op();
        Shape xs = node.inputs().get(0).spec().shape();
        int a = xs.axis(op.axis());
        long esz = node.inputs().get(0).spec().dtype().bits() / 8;
        long outer = xs.outer(a);
        long inner = xs.inner(a) * esz;
        long srcRow = xs.dim(a) * inner;
        long run = (long) (op.end() - op.start()) * inner;
        long start = op.start() * inner;
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            if (outer == 1) {
                copy(x, start, y, 0, run);
                return;
            }
            Par.rows(outer, run / 4, (r0, r1) -> {
                for (long r = r0; r < r1; r++) {
                    MemorySegment.copy(x, r * srcRow + start, y, r * run, run);
                }
            });
        };
    };

    // ---- Permute --------------------------------------------------------------------------------

    static final CpuKernelFactory PERMUTE = Movement::permute;

    private static Kernel permute(Node node) {
        Permute op = (Permute) node.op();
        Shape xs = node.inputs().get(0).spec().shape();
        int esz = node.inputs().get(0).spec().dtype().bits() / 8;
        int r = xs.rank();
        long[] st = xs.strides();
        // output axes with their input strides, dropping size-1 axes, merging runs that stay adjacent
        long[] dims = new long[r], strides = new long[r];
        int k = 0;
        for (int i = 0; i < r; i++) {
            int p = op.perm().get(i);
            long d = xs.dim(p);
            if (d == 1) {
                continue;
            }
            if (k > 0 && strides[k - 1] == st[p] * d) {
                dims[k - 1] *= d;
                strides[k - 1] = st[p];
            } else {
                dims[k] = d;
                strides[k] = st[p];
                k++;
            }
        }
        long total = xs.numel();
        if (k <= 1) {
            long bytes = total * esz;
            return (in, out) -> copy(Bufs.seg(in.get(0)), 0, Bufs.seg(out.get(0)), 0, bytes);
        }
        final int rank = k;
        final long[] d = java.util.Arrays.copyOf(dims, rank), s = java.util.Arrays.copyOf(strides, rank);
        if (s[rank - 1] == 1) {
            // innermost run contiguous in both: bulk copies of d[rank-1] elements
            long run = d[rank - 1];
            long rows = total / run;
            return (in, out) -> {
                MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
                Par.rows(rows, run * esz / 4, (r0, r1) -> {
                    for (long row = r0; row < r1; row++) {
                        long rem = row, off = 0;
                        for (int i = rank - 2; i >= 0; i--) {
                            off += (rem % d[i]) * s[i];
                            rem /= d[i];
                        }
                        MemorySegment.copy(x, off * esz, y, row * run * esz, run * esz);
                    }
                });
            };
        }
        // a transpose: the output's innermost axis walks the input with stride s[rank-1]; the input's
        // innermost (stride 1) is output axis c. Tile those two axes 32×32; loop the rest.
        int c = 0;
        for (int i = 0; i < rank; i++) {
            if (s[i] < s[c]) {
                c = i;
            }
        }
        final int ca = c;
        long[] ost = new long[rank];
        long acc = 1;
        for (int i = rank - 1; i >= 0; i--) {
            ost[i] = acc;
            acc *= d[i];
        }
        long nI = d[rank - 1], nJ = d[ca];
        long sI = s[rank - 1], sJ = s[ca], oJ = ost[ca];
        long others = total / (nI * nJ);
        final int T = 32;
        long tilesI = Bufs.ceilDiv(nI, T), tilesJ = Bufs.ceilDiv(nJ, T);
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            Par.rows(others * tilesI * tilesJ, T * T, (t0, t1) -> {
                for (long t = t0; t < t1; t++) {
                    long tile = t % (tilesI * tilesJ);
                    long rest = t / (tilesI * tilesJ);
                    long ti = tile / tilesJ, tj = tile % tilesJ;
                    // offsets of the other axes
                    long xo = 0, yo = 0, rem = rest;
                    for (int i = rank - 2; i >= 0; i--) {
                        if (i == ca) {
                            continue;
                        }
                        long q = rem % d[i];
                        rem /= d[i];
                        xo += q * s[i];
                        yo += q * ost[i];
                    }
                    long i0 = ti * T, i1 = Math.min(nI, i0 + T), j0 = tj * T, j1 = Math.min(nJ, j0 + T);
                    transposeTile(x, y, esz, xo, yo, i0, i1, j0, j1, sI, sJ, oJ);
                }
            });
        };
    }

    /** y[yo + j·oJ + i] = x[xo + i·sI + j·sJ] for i in [i0,i1), j in [j0,j1) (element offsets). */
    private static void transposeTile(MemorySegment x, MemorySegment y, int esz, long xo, long yo,
                                      long i0, long i1, long j0, long j1, long sI, long sJ, long oJ) {
        switch (esz) {
            case 4 -> {
                for (long j = j0; j < j1; j++) {
                    long yb = yo + j * oJ;
                    long xb = xo + j * sJ;
                    for (long i = i0; i < i1; i++) {
                        y.setAtIndex(Bufs.I32, yb + i, x.getAtIndex(Bufs.I32, xb + i * sI));
                    }
                }
            }
            case 2 -> {
                for (long j = j0; j < j1; j++) {
                    for (long i = i0; i < i1; i++) {
                        y.setAtIndex(Bufs.I16, yo + j * oJ + i, x.getAtIndex(Bufs.I16, xo + j * sJ + i * sI));
                    }
                }
            }
            case 8 -> {
                for (long j = j0; j < j1; j++) {
                    for (long i = i0; i < i1; i++) {
                        y.setAtIndex(Bufs.I64, yo + j * oJ + i, x.getAtIndex(Bufs.I64, xo + j * sJ + i * sI));
                    }
                }
            }
            default -> {
                for (long j = j0; j < j1; j++) {
                    for (long i = i0; i < i1; i++) {
                        y.set(ValueLayout.JAVA_BYTE, yo + j * oJ + i, x.get(ValueLayout.JAVA_BYTE, xo + j * sJ + i * sI));
                    }
                }
            }
        }
    }

    // ---- Upsample2x, Pad, Embedding ------------------------------------------------------------

    private static final VectorShuffle<Float> DUP_LO = VectorShuffle.fromOp(S, i -> i / 2);
    private static final VectorShuffle<Float> DUP_HI = VectorShuffle.fromOp(S, i -> 8 + i / 2);

    static final CpuKernelFactory UPSAMPLE = node -> {
        Shape xs = node.inputs().get(0).spec().shape();
        int h = xs.dim(2), w = xs.dim(3);
        long planes = (long) xs.dim(0) * xs.dim(1);
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            int ow = 2 * w;
            Par.rows(planes * h, 4L * w, (r0, r1) -> {
                for (long r = r0; r < r1; r++) {
                    long src = r * w;          // input row (plane·h + iy)
                    long dst = r * 2 * ow;     // output rows 2·iy and 2·iy+1 of the same plane
                    int j = 0;
                    for (; j + 16 <= w; j += 16) {
                        FloatVector v = FloatVector.fromMemorySegment(S, x, (src + j) * 4, Bufs.LE);
                        v.rearrange(DUP_LO).intoMemorySegment(y, (dst + 2L * j) * 4, Bufs.LE);
                        v.rearrange(DUP_HI).intoMemorySegment(y, (dst + 2L * j + 16) * 4, Bufs.LE);
                    }
                    for (; j < w; j++) {
                        float v = x.getAtIndex(Bufs.F32, src + j);
                        y.setAtIndex(Bufs.F32, dst + 2L * j, v);
                        y.setAtIndex(Bufs.F32, dst + 2L * j + 1, v);
                    }
                    MemorySegment.copy(y, dst * 4, y, (dst + ow) * 4, ow * 4L);
                }
            });
        };
    };

    static final CpuKernelFactory PAD = node -> {
        Pad op = (Pad) node.op();
        Shape xs = node.inputs().get(0).spec().shape();
        Shape ys = node.outputs().get(0).spec().shape();
        int r = xs.rank();
        long[] yst = ys.strides();
        int last = xs.rank() == 0 ? 0 : xs.last();
        long rows = last == 0 ? 0 : xs.numel() / last;
        long base = 0;
        for (int i = 0; i < r; i++) {
            base += op.before().get(i) * yst[i];
        }
        final long start = base;
        long outN = ys.numel();
        if (r == 0) {
            return (in, out) -> MemorySegment.copy(Bufs.seg(in.get(0)), 0, Bufs.seg(out.get(0)), 0, 4);
        }
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            FloatVector fill = FloatVector.broadcast(S, op.value());
            Par.range(outN, Par.GRAIN, (a, b) -> {
                for (long i = a; i < b; i += 16) {
                    Elementwise.store(fill, y, i, b);
                }
            });
            Par.rows(rows, last, (r0, r1) -> {
                for (long row = r0; row < r1; row++) {
                    long rem = row, off = start;
                    for (int i = r - 2; i >= 0; i--) {
                        off += (rem % xs.dim(i)) * yst[i];
                        rem /= xs.dim(i);
                    }
                    MemorySegment.copy(x, row * last * 4, y, off * 4, last * 4L);
                }
            });
        };
    };

    static final CpuKernelFactory EMBEDDING = node -> {
        TensorSpec table = node.inputs().get(0).spec(), ids = node.inputs().get(1).spec();
        int v = table.shape().dim(0), d = table.shape().dim(1);
        DType tt = table.dtype();
        boolean i64 = ids.dtype() == DType.I64;
        long n = ids.shape().numel();
        return (in, out) -> {
            MemorySegment t = Bufs.seg(in.get(0)), id = Bufs.seg(in.get(1)), y = Bufs.seg(out.get(0));
            Par.rows(n, d, (r0, r1) -> {
                for (long i = r0; i < r1; i++) {
                    long row = i64 ? id.getAtIndex(Bufs.I64, i) : id.getAtIndex(Bufs.I32, i);
                    if (row < 0 || row >= v) {
                        throw new IndexOutOfBoundsException("Embedding: id " + row + " at position " + i
                                + " is outside the table of " + v + " rows");
                    }
                    long dst = i * d;
                    switch (tt) {
                        case F32 -> MemorySegment.copy(t, row * d * 4, y, dst * 4, d * 4L);
                        case BF16 -> {
                            for (int j = 0; j < d; j++) {
                                y.setAtIndex(Bufs.F32, dst + j,
                                        Float.intBitsToFloat((t.getAtIndex(Bufs.I16, row * d + j) & 0xffff) << 16));
                            }
                        }
                        default -> {
                            for (int j = 0; j < d; j++) {
                                y.setAtIndex(Bufs.F32, dst + j, Bufs.getFloat(t, tt, row * d + j));
                            }
                        }
                    }
                }
            });
        };
    };
}
