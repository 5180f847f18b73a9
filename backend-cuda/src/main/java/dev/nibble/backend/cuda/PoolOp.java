package dev.nibble.backend.cuda;

import dev.nibble.engine.ops.Pool2d;
import dev.nibble.engine.ops.PoolFn;
import dev.nibble.engine.tensor.Shape;

import static dev.nibble.backend.cuda.CudaOps.impl;
import static dev.nibble.backend.cuda.CudaOps.out;
import static dev.nibble.backend.cuda.CudaOps.shape;

/**
 * Pool2d (pool.cuh): one thread per output element, grid-stride. The op's own checks (F32, rank 4,
 * padding at most half the kernel, a non-empty output) are all the kernel needs; the generic shape
 * check runs them.
 */
final class PoolOp {
    private PoolOp() {
    }

    static final CudaOps.Impl IMPL = impl(CudaOps::yes, (d, n) -> {
        Pool2d op = (Pool2d) n.op();
        Shape s = shape(n, 0), o = out(n).shape();
        long planes = (long) s.dim(0) * s.dim(1);
        int h = s.dim(2), w = s.dim(3), oh = o.dim(2), ow = o.dim(3);
        int avg = op.fn() == PoolFn.AVG ? 1 : 0;
        int countPad = op.countIncludePad() ? 1 : 0;
        long count = planes * oh * ow;
        return (in, out) -> d.launch1d(KernelNames.POOL2D, count, new Launch().ptr(in.get(0)).ptr(out.get(0))
                .i64(planes).i32(h).i32(w).i32(oh).i32(ow).i32(op.kernelH()).i32(op.kernelW())
                .i32(op.strideH()).i32(op.strideW()).i32(op.padH()).i32(op.padW()).i32(avg).i32(countPad));
    });
}
