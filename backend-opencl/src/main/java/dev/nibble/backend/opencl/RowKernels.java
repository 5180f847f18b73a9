package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.GroupNorm;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.Reduce;
import dev.nibble.engine.ops.RmsNorm;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.Shape;

import static dev.nibble.backend.opencl.OpKernels.floatCode;
import static dev.nibble.backend.opencl.OpKernels.toInt;

/** GroupNorm, LayerNorm, RmsNorm, Softmax and Reduce (rows.cl). */
final class RowKernels {
    /** Work-group size of per-item row kernels (several rows per group keep both cores busy). */
    private static final int ROWS_PER_GROUP = 8;

    private RowKernels() {
    }

    static Support supportsNorm(Node node) {
        for (int i = 1; i < node.inputs().size(); i++) {
            Support s = OpKernels.floatInput(node, i, "weight/bias");
            if (!s.supported()) {
                return s;
            }
        }
        return Support.YES;
    }

    /** A row kernel and its work-group size (LSIZE). */
    private record RowFn(ClFn fn, int lsize) {
        ClCall call() {
            return fn.call();
        }

        /** One row per item (rows rounded up), or one work-group per row. */
        void launch(ClCall c, long rows) {
            if (lsize > 1) {
                c.launch1(rows * lsize, lsize);
            } else {
                c.launch1(rows, ROWS_PER_GROUP);
            }
        }
    }

    /** The kernel with the device's row work-group, halved until the kernel can run with it. */
    private static RowFn rowFn(OpenClDevice d, String kernel, Node node) {
        int l = d.tuning().rowGroup();
        while (true) {
            ClFn fn = ClFn.of(d, "rows.cl", "-DLSIZE=" + l, kernel, node);
            if (l == 1 || fn.maxWorkGroup() >= l) {
                return new RowFn(fn, l);
            }
            l /= 2;
        }
    }

    private static int code(Node node, int i) {
        return i < node.inputs().size() ? floatCode(node.inputs().get(i).spec().dtype()) : 0;
    }

    static Kernel layerNorm(Node node, OpenClDevice d) {
        LayerNorm op = (LayerNorm) node.op();
        Shape s = node.inputs().get(0).spec().shape();
        int dd = s.last();
        int rows = toInt(s.outer(-1));
        int wi = op.hasWeight() ? 1 : -1;
        int bi = op.hasBias() ? (op.hasWeight() ? 2 : 1) : -1;
        int wdt = wi > 0 ? code(node, wi) : 0, bdt = bi > 0 ? code(node, bi) : 0;
        RowFn fn = rowFn(d, "layernorm", node);
        return (ins, outs) -> {
            DeviceBuffer w = wi > 0 ? ins.get(wi) : null, b = bi > 0 ? ins.get(bi) : null;
            ClCall c = fn.call().buf(ins.get(0), 4).bufOrDummy(w, 1).i(wdt).bufOrDummy(b, 1).i(bdt).buf(outs.get(0), 4)
                    .i(rows).i(dd).f(op.eps()).i(op.hasWeight()).i(op.hasBias());
            fn.launch(c, rows);
        };
    }

    static Kernel rmsNorm(Node node, OpenClDevice d) {
        RmsNorm op = (RmsNorm) node.op();
        Shape s = node.inputs().get(0).spec().shape();
        int dd = s.last();
        int rows = toInt(s.outer(-1));
        int wdt = op.hasWeight() ? code(node, 1) : 0;
        RowFn fn = rowFn(d, "rmsnorm", node);
        return (ins, outs) -> {
            ClCall c = fn.call().buf(ins.get(0), 4).bufOrDummy(op.hasWeight() ? ins.get(1) : null, 1).i(wdt)
                    .buf(outs.get(0), 4).i(rows).i(dd).f(op.eps()).i(op.hasWeight());
            fn.launch(c, rows);
        };
    }

    static Kernel groupNorm(Node node, OpenClDevice d) {
        GroupNorm op = (GroupNorm) node.op();
        Shape s = node.inputs().get(0).spec().shape();
        int batch = s.dim(0), ch = s.dim(1);
        int spatial = toInt(s.inner(1));
        int per = ch / op.groups();
        int rows = batch * op.groups();
        int wdt = op.affine() ? code(node, 1) : 0, bdt = op.affine() ? code(node, 2) : 0;
        RowFn fn = rowFn(d, "groupnorm", node);
        return (ins, outs) -> {
            ClCall c = fn.call().buf(ins.get(0), 4).bufOrDummy(op.affine() ? ins.get(1) : null, 1).i(wdt)
                    .bufOrDummy(op.affine() ? ins.get(2) : null, 1).i(bdt).buf(outs.get(0), 4)
                    .i(rows).i(op.groups()).i(per).i(spatial).f(op.eps()).i(op.affine());
            fn.launch(c, rows);
        };
    }

    static Kernel softmax(Node node, OpenClDevice d) {
        Shape s = node.inputs().get(0).spec().shape();
        int dd = s.last();
        int rows = toInt(s.outer(-1));
        RowFn fn = rowFn(d, "softmax", node);
        return (ins, outs) -> fn.launch(fn.call().buf(ins.get(0), 4).buf(outs.get(0), 4).i(rows).i(dd), rows);
    }

    static Kernel reduce(Node node, OpenClDevice d) {
        Reduce op = (Reduce) node.op();
        Shape s = node.inputs().get(0).spec().shape();
        int axis = s.axis(op.axis());
        int outer = toInt(s.outer(axis)), len = s.dim(axis), inner = toInt(s.inner(axis));
        int fnCode = switch (op.fn()) {
            case SUM -> 0;
            case MEAN -> 1;
            case MAX -> 2;
            case MIN -> 3;
        };
        ClFn fn = ClFn.of(d, "rows.cl", "-DLSIZE=" + d.tuning().rowGroup(), "reduce_axis", node); // shares the program
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(outs.get(0), 4).i(outer).i(len).i(inner).i(fnCode)
                .launch2(inner, outer, 8, 8);
    }
}
