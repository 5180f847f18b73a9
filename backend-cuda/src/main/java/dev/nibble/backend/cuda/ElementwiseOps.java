package dev.nibble.backend.cuda;

import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.Clamp;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.Shape;

import static dev.nibble.backend.cuda.CudaOps.impl;
import static dev.nibble.backend.cuda.CudaOps.out;
import static dev.nibble.backend.cuda.CudaOps.shape;

/** Unary, Binary, Affine, Clamp, Modulate, Geglu, Rope: grid-stride element kernels (elementwise.cuh). */
final class ElementwiseOps {
    private ElementwiseOps() {
    }

    static final CudaOps.Impl UNARY = impl(CudaOps::yes, (d, n) -> {
        long count = out(n).shape().numel();
        int fn = DTypeCodes.act(((Unary) n.op()).fn());
        return (in, o) -> d.launch1d(KernelNames.UNARY, count,
                new Launch().ptr(in.get(0)).ptr(o.get(0)).i64(count).i32(fn));
    });

    static final CudaOps.Impl BINARY = impl((d, n) -> Layouts.broadcast(shape(n, 0), shape(n, 1), out(n).shape()) == null
            ? Support.no("Binary: broadcast of rank > " + Layouts.MAX_RANK + " after collapsing") : Support.YES, (d, n) -> {
        Shape o = out(n).shape();
        long[] dims = Layouts.broadcast(shape(n, 0), shape(n, 1), o);
        long count = o.numel();
        int fn = ((Binary) n.op()).fn().ordinal(); // ADD, SUB, MUL, DIV = 0..3 as in nb_binary
        return (in, out) -> d.launch1d(KernelNames.BINARY, count,
                new Launch().ptr(in.get(0)).ptr(in.get(1)).ptr(out.get(0)).i64(count).i32(fn).struct(dims));
    });

    static final CudaOps.Impl AFFINE = impl(CudaOps::yes, (d, n) -> {
        Affine op = (Affine) n.op();
        long count = out(n).shape().numel();
        return (in, o) -> d.launch1d(KernelNames.AFFINE, count,
                new Launch().ptr(in.get(0)).ptr(o.get(0)).i64(count).f32(op.scale()).f32(op.shift()));
    });

    static final CudaOps.Impl CLAMP = impl(CudaOps::yes, (d, n) -> {
        Clamp op = (Clamp) n.op();
        long count = out(n).shape().numel();
        return (in, o) -> d.launch1d(KernelNames.CLAMP, count,
                new Launch().ptr(in.get(0)).ptr(o.get(0)).i64(count).f32(op.min()).f32(op.max()));
    });

    static final CudaOps.Impl MODULATE = impl(CudaOps::yes, (d, n) -> {
        Shape x = shape(n, 0);
        long count = x.numel();
        long l = x.dim(1), dd = x.dim(2);
        return (in, o) -> d.launch1d(KernelNames.MODULATE, count,
                new Launch().ptr(in.get(0)).ptr(in.get(1)).ptr(in.get(2)).ptr(o.get(0)).i64(count).i64(l).i64(dd));
    });

    static final CudaOps.Impl GEGLU = impl(CudaOps::yes, (d, n) -> {
        Shape x = shape(n, 0);
        long rows = x.outer(-1);
        long half = x.last() / 2;
        return (in, o) -> d.launch1d(KernelNames.GEGLU, rows * half,
                new Launch().ptr(in.get(0)).ptr(o.get(0)).i64(rows).i64(half));
    });

    static final CudaOps.Impl ROPE = impl(CudaOps::yes, (d, n) -> {
        Shape x = shape(n, 0);
        long pairs = x.numel() / 2;
        long l = x.dim(2), dd = x.dim(3);
        return (in, o) -> d.launch1d(KernelNames.ROPE, pairs,
                new Launch().ptr(in.get(0)).ptr(in.get(1)).ptr(in.get(2)).ptr(o.get(0)).i64(pairs).i64(l).i64(dd));
    });
}
