package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Concat;
import dev.nibble.engine.ops.Pad;
import dev.nibble.engine.ops.Permute;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

import static dev.nibble.backend.opencl.OpKernels.ceilDiv;
import static dev.nibble.backend.opencl.OpKernels.toInt;

/** Copy, Reshape, Concat, Slice, Permute, Upsample2x, Pad (layout.cl). */
final class LayoutKernels {
    private static final String SRC = "layout.cl";
    /** Largest row one copy_rows launch handles (rowBytes is an int in the kernel). */
    private static final long MAX_ROW = 1L << 30;

    private LayoutKernels() {
    }

    static Support supportsBytes(Node node) {
        int bits = node.output().spec().dtype().bits();
        return bits % 8 != 0 ? Support.no(node.op().opName() + " on packed " + node.output().spec().dtype()
                + " elements is not supported") : Support.YES;
    }

    static Support supportsPermute(Node node) {
        Support s = supportsBytes(node);
        if (!s.supported()) {
            return s;
        }
        int bytes = node.output().spec().dtype().bits() / 8;
        if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8) {
            return Support.no("Permute of " + bytes + "-byte elements");
        }
        return collapsePermute(node).dims.length > 8 ? Support.no("Permute needs more than 8 dims after collapsing")
                : Support.YES;
    }

    static Support supportsPad(Node node) {
        return node.inputs().get(0).spec().shape().rank() > 8 ? Support.no("Pad of rank > 8") : Support.YES;
    }

    /** Strided byte rows: {@code rows} rows of {@code rowBytes}, src/dst rows {@code srcStride}/{@code dstStride} apart. */
    private static void copyRows(ClFn fn, DeviceBuffer src, DeviceBuffer dst, long srcStride, long dstStride,
                                 long rowBytes, long rows) {
        if (rowBytes == 0 || rows == 0) {
            return;
        }
        if (rows == 1 && rowBytes > MAX_ROW) {
            for (long at = 0; at < rowBytes; at += MAX_ROW) {
                long n = Math.min(MAX_ROW, rowBytes - at);
                copyRows(fn, src.slice(at, n), dst.slice(at, n), n, n, n, 1);
            }
            return;
        }
        ClCall c = fn.call().buf(src, 1).buf(dst, 1).l(srcStride).l(dstStride).i(toInt(rowBytes)).i(toInt(rows));
        if (rows == 1) {
            c.launch2(ceilDiv(rowBytes, 16), 1, 64, 1);
        } else {
            c.launch2(ceilDiv(rowBytes, 16), rows, 8, 8);
        }
    }

    static Kernel copy(Node node, OpenClDevice d) {
        long bytes = node.output().spec().byteSize();
        ClFn fn = ClFn.of(d, SRC, "", "copy_rows", node);
        return (ins, outs) -> copyRows(fn, ins.get(0), outs.get(0), bytes, bytes, bytes, 1);
    }

    static Kernel concat(Node node, OpenClDevice d) {
        Shape out = node.output().spec().shape();
        int axis = out.axis(((Concat) node.op()).axis());
        long outer = out.outer(axis);
        long esize = node.output().spec().dtype().bits() / 8;
        long outRow = out.dim(axis) * out.inner(axis) * esize;
        long total = node.output().spec().byteSize();
        long[] rows = new long[node.inputs().size()];
        for (int i = 0; i < rows.length; i++) {
            Shape s = node.inputs().get(i).spec().shape();
            rows[i] = s.dim(axis) * s.inner(axis) * esize;
        }
        ClFn fn = ClFn.of(d, SRC, "", "copy_rows", node);
        return (ins, outs) -> {
            long at = 0;
            for (int i = 0; i < rows.length; i++) {
                if (rows[i] > 0) {
                    copyRows(fn, ins.get(i), outs.get(0).slice(at, total - at), rows[i], outRow, rows[i], outer);
                }
                at += rows[i];
            }
        };
    }

    static Kernel slice(Node node, OpenClDevice d) {
        Slice op = (Slice) node.op();
        Shape in = node.inputs().get(0).spec().shape();
        int axis = in.axis(op.axis());
        long esize = node.output().spec().dtype().bits() / 8;
        long outer = in.outer(axis), inner = in.inner(axis) * esize;
        long inRow = in.dim(axis) * inner;
        long outRow = (long) (op.end() - op.start()) * inner;
        long start = op.start() * inner;
        long inBytes = node.inputs().get(0).spec().byteSize();
        ClFn fn = ClFn.of(d, SRC, "", "copy_rows", node);
        return (ins, outs) -> copyRows(fn, ins.get(0).slice(start, inBytes - start), outs.get(0), inRow, outRow,
                outRow, outer);
    }

    record PermuteShape(int[] dims, int[] inStrides) {
    }

    /** Output dims with the input stride of each, size-1 dims dropped, in-order runs merged. */
    static PermuteShape collapsePermute(Node node) {
        List<Integer> perm = ((Permute) node.op()).perm();
        Shape in = node.inputs().get(0).spec().shape();
        long[] st = in.strides();
        List<long[]> kept = new ArrayList<>();
        for (int p : perm) {
            if (in.dim(p) != 1) {
                kept.add(new long[] {in.dim(p), st[p]});
            }
        }
        List<long[]> merged = new ArrayList<>();
        for (long[] e : kept) {
            if (!merged.isEmpty()) {
                long[] prev = merged.get(merged.size() - 1);
                if (prev[1] == e[1] * e[0]) {
                    prev[0] *= e[0];
                    prev[1] = e[1];
                    continue;
                }
            }
            merged.add(e.clone());
        }
        if (merged.isEmpty()) {
            merged.add(new long[] {1, 1});
        }
        int[] dims = new int[merged.size()], strides = new int[merged.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = toInt(merged.get(i)[0]);
            strides[i] = toInt(merged.get(i)[1]);
        }
        return new PermuteShape(dims, strides);
    }

    static Kernel permute(Node node, OpenClDevice d) {
        int esize = node.output().spec().dtype().bits() / 8;
        PermuteShape p = collapsePermute(node);
        long outer = 1;
        for (int i = 0; i < p.dims.length - 1; i++) {
            outer *= p.dims[i];
        }
        long outerF = outer;
        int inner = p.dims[p.dims.length - 1];
        ClFn fn = ClFn.of(d, SRC, "", "permute" + esize, node);
        return (ins, outs) -> fn.call().buf(ins.get(0), esize).buf(outs.get(0), esize).i(p.dims.length).i8(p.dims)
                .i8(p.inStrides).launch2(ceilDiv(inner, 4), outerF, 8, 8);
    }

    static Kernel upsample(Node node, OpenClDevice d) {
        int[] s = node.inputs().get(0).spec().shape().toArray();
        int planes = s[0] * s[1], h = s[2], w = s[3];
        ClFn fn = ClFn.of(d, SRC, "", "upsample2x", node);
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(outs.get(0), 4).i(planes).i(h).i(w)
                .launch2(w, (long) planes * h, 8, 8);
    }

    static Kernel pad(Node node, OpenClDevice d) {
        Pad op = (Pad) node.op();
        int[] in = node.inputs().get(0).spec().shape().toArray();
        int[] out = node.output().spec().shape().toArray();
        int[] before = op.before().stream().mapToInt(Integer::intValue).toArray();
        if (in.length == 0) {
            in = new int[] {1};
            out = new int[] {1};
            before = new int[] {0};
        }
        int rank = in.length;
        long outer = 1;
        for (int i = 0; i < rank - 1; i++) {
            outer *= out[i];
        }
        int[] inF = in, outF = out, beforeF = before;
        long outerF = outer;
        int inner = out[rank - 1];
        ClFn fn = ClFn.of(d, SRC, "", "pad", node);
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(outs.get(0), 4).i(rank).i8(outF).i8(inF).i8(beforeF)
                .f(op.value()).launch2(ceilDiv(inner, 4), outerF, 8, 8);
    }
}
