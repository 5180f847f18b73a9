package dev.nibble.backend.cuda;

import dev.nibble.engine.ops.GroupNorm;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.Reduce;
import dev.nibble.engine.ops.RmsNorm;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;

import static dev.nibble.backend.cuda.CudaOps.impl;
import static dev.nibble.backend.cuda.CudaOps.in;
import static dev.nibble.backend.cuda.CudaOps.shape;

/** LayerNorm, RmsNorm, GroupNorm, Softmax, Reduce (rows.cuh). */
final class RowOps {
    private RowOps() {
    }

    private static Support rowsFit(Shape x) {
        long rows = x.rank() == 0 ? 1 : x.outer(-1);
        return rows > Integer.MAX_VALUE ? Support.no(rows + " rows exceed the grid") : Support.YES;
    }

    private static Support noInt4(dev.nibble.engine.graph.Node n) {
        for (var v : n.inputs()) {
            if (v.spec().dtype() == DType.INT4) {
                return Support.no(n.op().opName() + ": packed INT4 parameters are not read by the CUDA kernels");
            }
        }
        return Support.YES;
    }

    static final CudaOps.Impl LAYER_NORM = impl((d, n) -> {
        Support s = noInt4(n);
        return s.supported() ? rowsFit(shape(n, 0)) : s;
    }, (d, n) -> {
        LayerNorm op = (LayerNorm) n.op();
        Shape x = shape(n, 0);
        int rows = (int) x.outer(-1);
        long dd = x.last();
        int wi = op.hasWeight() ? 1 : -1;
        int bi = op.hasBias() ? (op.hasWeight() ? 2 : 1) : -1;
        int wdt = wi < 0 ? 0 : DTypeCodes.code(in(n, wi).dtype());
        int bdt = bi < 0 ? 0 : DTypeCodes.code(in(n, bi).dtype());
        return (in, o) -> d.launch(KernelNames.LAYER_NORM, rows, 1, 1, 256, 1, 1, 0, new Launch()
                .ptr(in.get(0)).ptrOrNull(wi < 0 ? null : in.get(wi)).i32(wdt).ptrOrNull(bi < 0 ? null : in.get(bi)).i32(bdt)
                .ptr(o.get(0)).i64(dd).f32(op.eps()));
    });

    static final CudaOps.Impl RMS_NORM = impl((d, n) -> {
        Support s = noInt4(n);
        return s.supported() ? rowsFit(shape(n, 0)) : s;
    }, (d, n) -> {
        RmsNorm op = (RmsNorm) n.op();
        Shape x = shape(n, 0);
        int rows = (int) x.outer(-1);
        long dd = x.last();
        int wdt = op.hasWeight() ? DTypeCodes.code(in(n, 1).dtype()) : 0;
        return (in, o) -> d.launch(KernelNames.RMS_NORM, rows, 1, 1, 256, 1, 1, 0, new Launch()
                .ptr(in.get(0)).ptrOrNull(op.hasWeight() ? in.get(1) : null).i32(wdt).ptr(o.get(0)).i64(dd).f32(op.eps()));
    });

    /** Two kernels: partial {Σx, Σx²} per chunk of each group, then normalise (statistics in double). */
    static final CudaOps.Impl GROUP_NORM = impl((d, n) -> {
        Support s = noInt4(n);
        if (!s.supported()) {
            return s;
        }
        Shape x = shape(n, 0);
        long bg = (long) x.dim(0) * ((GroupNorm) n.op()).groups();
        return bg > CudaOps.MAX_GRID_Y ? Support.no("GroupNorm: batch × groups = " + bg + " exceeds the grid") : Support.YES;
    }, (d, n) -> {
        GroupNorm op = (GroupNorm) n.op();
        Shape x = shape(n, 0);
        int batch = x.dim(0), c = x.dim(1);
        long spatial = x.inner(1);
        int per = c / op.groups();
        long len = per * spatial;
        int bg = batch * op.groups();
        int chunks = (int) Math.max(1, Math.min(64, (len + 16383) / 16384));
        int applyBlocks = (int) Math.max(1, Math.min((len + 255) / 256,
                Math.max(1, (long) d.info().multiprocessors() * 8 / bg)));
        int wdt = op.affine() ? DTypeCodes.code(in(n, 1).dtype()) : 0;
        int bdt = op.affine() ? DTypeCodes.code(in(n, 2).dtype()) : 0;
        return (in, o) -> {
            try (CudaBuffer part = d.scratch((long) bg * chunks * 2 * Double.BYTES)) {
                d.launch(KernelNames.GROUP_NORM_STATS, chunks, bg, 1, 256, 1, 1, 0,
                        new Launch().ptr(in.get(0)).ptr(part).i64(len));
                d.launch(KernelNames.GROUP_NORM_APPLY, applyBlocks, bg, 1, 256, 1, 1, 0, new Launch()
                        .ptr(in.get(0)).ptr(part).i32(chunks)
                        .ptrOrNull(op.affine() ? in.get(1) : null).i32(wdt).ptrOrNull(op.affine() ? in.get(2) : null).i32(bdt)
                        .ptr(o.get(0)).i64(len).i32(op.groups()).i32(per).i64(spatial).f32(op.eps()));
            }
        };
    });

    static final CudaOps.Impl SOFTMAX = impl((d, n) -> rowsFit(shape(n, 0)), (d, n) -> {
        Shape x = shape(n, 0);
        int rows = (int) x.outer(-1);
        long dd = x.last();
        return (in, o) -> d.launch(KernelNames.SOFTMAX, rows, 1, 1, 256, 1, 1, 0,
                new Launch().ptr(in.get(0)).ptr(o.get(0)).i64(dd));
    });

    static final CudaOps.Impl REDUCE = impl(CudaOps::yes, (d, n) -> {
        Reduce op = (Reduce) n.op();
        Shape x = shape(n, 0);
        int axis = x.axis(op.axis());
        long outer = x.outer(axis), len = x.dim(axis), inner = x.inner(axis);
        int fn = switch (op.fn()) {
            case SUM -> 0;
            case MEAN -> 1;
            case MAX -> 2;
            case MIN -> 3;
        };
        return (in, o) -> d.launch1d(KernelNames.REDUCE, outer * inner,
                new Launch().ptr(in.get(0)).ptr(o.get(0)).i64(outer).i64(len).i64(inner).i32(fn));
    });
}
