package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.Clamp;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

import static dev.nibble.backend.opencl.OpKernels.ceilDiv;
import static dev.nibble.backend.opencl.OpKernels.toInt;

/** Unary, Binary, Affine, Clamp, Geglu, Modulate (elementwise.cl). */
final class ElementwiseKernels {
    private static final String SRC = "elementwise.cl";
    private static final int V = 4;

    private ElementwiseKernels() {
    }

    static Kernel unary(Node node, OpenClDevice d) {
        int n = toInt(node.output().spec().shape().numel());
        int fnCode = OpKernels.actCode(((Unary) node.op()).fn());
        ClFn fn = ClFn.of(d, SRC, "", "unary", node);
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(outs.get(0), 4).i(n).i(fnCode).launch1(ceilDiv(n, V), 64);
    }

    static Kernel affine(Node node, OpenClDevice d) {
        Affine op = (Affine) node.op();
        int n = toInt(node.output().spec().shape().numel());
        ClFn fn = ClFn.of(d, SRC, "", "affine", node);
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(outs.get(0), 4).i(n).f(op.scale()).f(op.shift())
                .launch1(ceilDiv(n, V), 64);
    }

    static Kernel clamp(Node node, OpenClDevice d) {
        Clamp op = (Clamp) node.op();
        int n = toInt(node.output().spec().shape().numel());
        ClFn fn = ClFn.of(d, SRC, "", "clamp_op", node);
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(outs.get(0), 4).i(n).f(op.min()).f(op.max())
                .launch1(ceilDiv(n, V), 64);
    }

    /** Output dims and per-input strides after dropping size-1 dims and merging contiguous ones. */
    record Collapsed(int[] dims, int[] sa, int[] sb) {
        int rank() {
            return dims.length;
        }

        int inner() {
            return dims[dims.length - 1];
        }

        long outer() {
            long o = 1;
            for (int i = 0; i < dims.length - 1; i++) {
                o *= dims[i];
            }
            return o;
        }
    }

    /** Element strides of {@code in} broadcast to {@code out} (0 where broadcast), aligned at the end. */
    static long[] broadcastStrides(Shape in, Shape out) {
        int r = out.rank(), off = r - in.rank();
        long[] st = in.strides();
        long[] s = new long[r];
        for (int i = 0; i < r; i++) {
            int a = i - off;
            s[i] = a < 0 || in.dim(a) == 1 ? 0 : st[a];
        }
        return s;
    }

    static Collapsed collapse(int[] dims, long[] sa, long[] sb) {
        List<int[]> kept = new ArrayList<>(); // {dim, sa, sb}
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != 1) {
                kept.add(new int[] {dims[i], Math.toIntExact(sa[i]), Math.toIntExact(sb[i])});
            }
        }
        List<int[]> merged = new ArrayList<>();
        for (int[] e : kept) {
            if (!merged.isEmpty()) {
                int[] p = merged.get(merged.size() - 1);
                if ((long) p[1] == (long) e[1] * e[0] && (long) p[2] == (long) e[2] * e[0]) {
                    p[0] *= e[0];
                    p[1] = e[1];
                    p[2] = e[2];
                    continue;
                }
            }
            merged.add(e.clone());
        }
        if (merged.isEmpty()) {
            merged.add(new int[] {1, 0, 0});
        }
        int r = merged.size();
        int[] d = new int[r], a = new int[r], b = new int[r];
        for (int i = 0; i < r; i++) {
            d[i] = merged.get(i)[0];
            a[i] = merged.get(i)[1];
            b[i] = merged.get(i)[2];
        }
        return new Collapsed(d, a, b);
    }

    static Support supportsBinary(Node node) {
        Collapsed c = collapse(node);
        return c.rank() > 8 ? Support.no("Binary: broadcast pattern needs " + c.rank() + " dims after collapsing (max 8)")
                : Support.YES;
    }

    private static Collapsed collapse(Node node) {
        Shape out = node.output().spec().shape();
        return collapse(out.toArray(), broadcastStrides(node.inputs().get(0).spec().shape(), out),
                broadcastStrides(node.inputs().get(1).spec().shape(), out));
    }

    static Kernel binary(Node node, OpenClDevice d) {
        Binary op = (Binary) node.op();
        Collapsed c = collapse(node);
        int fnCode = switch (op.fn()) {
            case ADD -> 0;
            case SUB -> 1;
            case MUL -> 2;
            case DIV -> 3;
        };
        long outer = c.outer();
        int inner = c.inner();
        ClFn fn = ClFn.of(d, SRC, "", "binary", node);
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(ins.get(1), 4).buf(outs.get(0), 4)
                .i(c.rank()).i8(c.dims()).i8(c.sa()).i8(c.sb()).i(fnCode)
                .launch2(ceilDiv(inner, V), outer, 8, 8);
    }

    static Kernel geglu(Node node, OpenClDevice d) {
        Shape s = node.inputs().get(0).spec().shape();
        int n = s.last() / 2;
        int rows = toInt(s.outer(-1));
        ClFn fn = ClFn.of(d, SRC, "", "geglu", node);
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(outs.get(0), 4).i(rows).i(n)
                .launch2(ceilDiv(n, V), rows, 8, 8);
    }

    static Kernel modulate(Node node, OpenClDevice d) {
        int[] s = node.inputs().get(0).spec().shape().toArray();
        int bl = s[0] * s[1], l = s[1], dd = s[2];
        ClFn fn = ClFn.of(d, SRC, "", "modulate", node);
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(ins.get(1), 4).buf(ins.get(2), 4).buf(outs.get(0), 4)
                .i(bl).i(l).i(dd).launch2(ceilDiv(dd, V), bl, 8, 8);
    }
}
