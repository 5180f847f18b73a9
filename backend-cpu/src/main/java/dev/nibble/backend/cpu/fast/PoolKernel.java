package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.engine.ops.Pool2d;
import dev.nibble.engine.ops.PoolFn;
import dev.nibble.engine.tensor.Shape;

import java.lang.foreign.MemorySegment;

/**
 * Pool2d over output rows (plane · oh) in parallel. Windows are clipped to the input once per row and
 * column rather than tested per element; pooling is memory-bound next to the convolutions around it,
 * so the inner loop stays scalar.
 */
final class PoolKernel {
    private PoolKernel() {
    }

    static final CpuKernelFactory FACTORY = node -> {
        Pool2d op = (Pool2d) node.op();
        Shape xs = node.inputs().get(0).spec().shape();
        Shape ys = node.outputs().get(0).spec().shape();
        int h = xs.dim(2), w = xs.dim(3), oh = ys.dim(2), ow = ys.dim(3);
        long planes = (long) xs.dim(0) * xs.dim(1);
        boolean max = op.fn() == PoolFn.MAX;
        float window = op.kernelH() * op.kernelW();
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            Par.rows(planes * oh, (long) ow * op.kernelH() * op.kernelW(), (r0, r1) -> {
                for (long r = r0; r < r1; r++) {
                    long plane = r / oh;
                    int oy = (int) (r % oh);
                    int ya = oy * op.strideH() - op.padH();
                    int y0 = Math.max(0, ya), y1 = Math.min(h, ya + op.kernelH());
                    long src = plane * h * w;
                    long dst = r * ow;
                    for (int ox = 0; ox < ow; ox++) {
                        int xa = ox * op.strideW() - op.padW();
                        int x0 = Math.max(0, xa), x1 = Math.min(w, xa + op.kernelW());
                        float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                        for (int iy = y0; iy < y1; iy++) {
                            long row = src + (long) iy * w;
                            for (int ix = x0; ix < x1; ix++) {
                                float v = x.getAtIndex(Bufs.F32, row + ix);
                                acc = max ? Math.max(acc, v) : acc + v;
                            }
                        }
                        if (!max) {
                            acc /= op.countIncludePad() ? window : (float) ((y1 - y0) * (x1 - x0));
                        }
                        y.setAtIndex(Bufs.F32, dst + ox, acc);
                    }
                }
            });
        };
    };
}
