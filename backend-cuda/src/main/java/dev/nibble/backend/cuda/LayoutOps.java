package dev.nibble.backend.cuda;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Cast;
import dev.nibble.engine.ops.Concat;
import dev.nibble.engine.ops.Pad;
import dev.nibble.engine.ops.Permute;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.ops.TimestepEmbedding;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;

import static dev.nibble.backend.cuda.CudaOps.impl;
import static dev.nibble.backend.cuda.CudaOps.in;
import static dev.nibble.backend.cuda.CudaOps.out;
import static dev.nibble.backend.cuda.CudaOps.shape;

/** Copy/Reshape, Concat, Slice, Permute, Pad, Upsample2x, Cast, Embedding, TimestepEmbedding (layout.cuh). */
final class LayoutOps {
    private LayoutOps() {
    }

    private static Support wholeBytes(Node n) {
        if (out(n).dtype().bits() % 8 != 0) {
            return Support.no(n.op().opName() + " on packed " + out(n).dtype() + " elements is not supported");
        }
        return Support.YES;
    }

    /** Copy and Reshape: the same bytes. */
    static final CudaOps.Impl COPY = impl(CudaOps::yes, (d, n) -> {
        long bytes = out(n).byteSize();
        return (in, o) -> {
            int w = Layouts.widestUnit(bytes, in.get(0).alignment(), o.get(0).alignment());
            d.launch1d(KernelNames.COPY_BYTES, bytes / w,
                    new Launch().ptr(in.get(0)).ptr(o.get(0)).i64(bytes / w).i32(w));
        };
    });

    /** Each input is a block of rows (outer × its bytes along the axis) placed at its offset in every output row. */
    static final CudaOps.Impl CONCAT = impl((d, n) -> wholeBytes(n), (d, n) -> {
        Shape o = out(n).shape();
        int axis = o.axis(((Concat) n.op()).axis());
        long outer = o.outer(axis);
        long esize = out(n).dtype().bits() / 8;
        long outRow = o.dim(axis) * o.inner(axis) * esize;
        int inputs = n.inputs().size();
        long[] rowBytes = new long[inputs], at = new long[inputs];
        long pos = 0;
        for (int i = 0; i < inputs; i++) {
            Shape s = shape(n, i);
            rowBytes[i] = s.dim(axis) * s.inner(axis) * esize;
            at[i] = pos;
            pos += rowBytes[i];
        }
        return (in, out) -> {
            for (int i = 0; i < inputs; i++) {
                if (rowBytes[i] == 0) {
                    continue;
                }
                var dst = (CudaBuffer) out.get(0).slice(at[i], out.get(0).byteSize() - at[i]);
                int w = Layouts.widestUnit(rowBytes[i], outRow, in.get(i).alignment(), dst.alignment());
                d.launch1d(KernelNames.COPY_ROWS, outer * (rowBytes[i] / w), new Launch().ptr(in.get(i)).ptr(dst)
                        .i64(outer).i64(rowBytes[i] / w).i64(rowBytes[i] / w).i64(outRow / w).i32(w));
            }
        };
    });

    static final CudaOps.Impl SLICE = impl((d, n) -> wholeBytes(n), (d, n) -> {
        Slice op = (Slice) n.op();
        Shape s = shape(n, 0);
        int axis = s.axis(op.axis());
        long esize = out(n).dtype().bits() / 8;
        long outer = s.outer(axis), inner = s.inner(axis) * esize;
        long inRow = s.dim(axis) * inner;
        long outRow = (long) (op.end() - op.start()) * inner;
        long start = op.start() * inner;
        return (in, o) -> {
            if (outRow == 0) {
                return;
            }
            var src = (CudaBuffer) in.get(0).slice(start, in.get(0).byteSize() - start);
            int w = Layouts.widestUnit(outRow, inRow, src.alignment(), o.get(0).alignment());
            d.launch1d(KernelNames.COPY_ROWS, outer * (outRow / w), new Launch().ptr(src).ptr(o.get(0))
                    .i64(outer).i64(outRow / w).i64(inRow / w).i64(outRow / w).i32(w));
        };
    });

    static final CudaOps.Impl PERMUTE = impl((d, n) -> {
        Support s = wholeBytes(n);
        if (!s.supported()) {
            return s;
        }
        return Layouts.permute(shape(n, 0), ((Permute) n.op()).perm()) == null
                ? Support.no("Permute of rank > " + Layouts.MAX_RANK) : Support.YES;
    }, (d, n) -> {
        long[] p = Layouts.permute(shape(n, 0), ((Permute) n.op()).perm());
        long count = out(n).shape().numel();
        int esize = out(n).dtype().bits() / 8;
        return (in, o) -> d.launch1d(KernelNames.PERMUTE, count,
                new Launch().ptr(in.get(0)).ptr(o.get(0)).i64(count).i32(esize).struct(p));
    });

    static final CudaOps.Impl PAD = impl((d, n) -> shape(n, 0).rank() > Layouts.MAX_RANK
            ? Support.no("Pad of rank > " + Layouts.MAX_RANK) : Support.YES, (d, n) -> {
        Pad op = (Pad) n.op();
        long[] p = Layouts.pad(shape(n, 0), out(n).shape(), op.before());
        long count = out(n).shape().numel();
        return (in, o) -> d.launch1d(KernelNames.PAD, count,
                new Launch().ptr(in.get(0)).ptr(o.get(0)).i64(count).f32(op.value()).struct(p));
    });

    static final CudaOps.Impl UPSAMPLE2X = impl(CudaOps::yes, (d, n) -> {
        Shape s = shape(n, 0);
        long planes = (long) s.dim(0) * s.dim(1);
        long h = s.dim(2), w = s.dim(3);
        return (in, o) -> d.launch1d(KernelNames.UPSAMPLE2X, planes * 4 * h * w,
                new Launch().ptr(in.get(0)).ptr(o.get(0)).i64(planes).i64(h).i64(w));
    });

    static final CudaOps.Impl CAST = impl(CudaOps::yes, (d, n) -> {
        int from = DTypeCodes.code(in(n, 0).dtype());
        int to = DTypeCodes.code(((Cast) n.op()).to());
        long count = out(n).shape().numel();
        return (in, o) -> d.launch1d(KernelNames.CAST, count,
                new Launch().ptr(in.get(0)).ptr(o.get(0)).i64(count).i32(from).i32(to));
    });

    /** Row gather; an id outside the table is reported by the next synchronize() (the kernel raises a flag). */
    static final CudaOps.Impl EMBEDDING = impl((d, n) -> in(n, 0).dtype() == DType.INT4
            ? Support.no("Embedding: packed INT4 tables are not supported") : Support.YES, (d, n) -> {
        Shape t = shape(n, 0);
        long v = t.dim(0), dim = t.dim(1);
        long ids = shape(n, 1).numel();
        int tdt = DTypeCodes.code(in(n, 0).dtype());
        int idt = DTypeCodes.code(in(n, 1).dtype());
        return (in, o) -> {
            CudaBuffer flag = d.scratch(4);
            d.memset(flag, (byte) 0, 4);
            d.launch1d(KernelNames.EMBEDDING, ids * dim, new Launch().ptr(in.get(0)).i32(tdt).ptr(in.get(1)).i32(idt)
                    .ptr(o.get(0)).i64(ids).i64(v).i64(dim).ptr(flag));
            d.deferCheck(flag, () -> "Embedding node " + n + ": an id is outside the table's " + v + " rows (its row was set to NaN)");
        };
    });

    /** diffusers' sinusoidal embedding; the host derives the same float constants as the reference. */
    static final CudaOps.Impl TIMESTEP = impl(CudaOps::yes, (d, n) -> {
        TimestepEmbedding op = (TimestepEmbedding) n.op();
        int batch = shape(n, 0).dim(0);
        int half = op.dim() / 2;
        float negLog = (float) -Math.log(op.maxPeriod());
        float denom = (float) (half - (double) op.downscaleFreqShift());
        long count = (long) batch * op.dim();
        return (in, o) -> d.launch1d(KernelNames.TIMESTEP, count, new Launch().ptr(in.get(0)).ptr(o.get(0))
                .i32(batch).i32(op.dim()).i32(op.flipSinToCos() ? 1 : 0).f32(negLog).f32(denom).f32(op.scale()));
    });
}
