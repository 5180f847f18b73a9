package dev.nibble.backend.cuda;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;

import static dev.nibble.backend.cuda.CudaOps.ceilDiv;
import static dev.nibble.backend.cuda.CudaOps.impl;
import static dev.nibble.backend.cuda.CudaOps.in;
import static dev.nibble.backend.cuda.CudaOps.out;
import static dev.nibble.backend.cuda.CudaOps.shape;

/** Linear and Conv2d: tiled FP32 SGEMM kernels with F32/F16/BF16 weights (gemm.cuh). */
final class MatmulOps {
    private MatmulOps() {
    }

    static final int TILE = 64;

    static String weightKernel(DType w, String f32, String f16, String bf16) {
        return switch (w) {
            case F32 -> f32;
            case F16 -> f16;
            case BF16 -> bf16;
            default -> throw new IllegalArgumentException("weights of " + w + " are not supported (F32, F16, BF16)");
        };
    }

    private static Support biasType(Node n, boolean hasBias, int index) {
        if (hasBias && in(n, index).dtype() == DType.INT4) {
            return Support.no(n.op().opName() + ": an INT4 bias is not supported");
        }
        return Support.YES;
    }

    static final CudaOps.Impl LINEAR = impl((d, n) -> {
        Linear op = (Linear) n.op();
        Support s = CudaOps.floatsOnly(n, 1);
        if (!s.supported()) {
            return s;
        }
        Shape x = shape(n, 0);
        long m = x.outer(-1);
        if (ceilDiv(m, TILE) > CudaOps.MAX_GRID_Y || (long) x.last() * m > Integer.MAX_VALUE * 64L) {
            return Support.no("Linear: " + m + " rows exceed the kernel's grid");
        }
        return biasType(n, op.hasBias(), 2);
    }, (d, n) -> {
        Linear op = (Linear) n.op();
        Shape x = shape(n, 0);
        int k = x.last();
        int m = CudaOps.toInt(x.outer(-1), "Linear rows");
        int nOut = shape(n, 1).dim(0);
        String kernel = weightKernel(in(n, 1).dtype(), KernelNames.LINEAR_F32, KernelNames.LINEAR_F16, KernelNames.LINEAR_BF16);
        int bdt = op.hasBias() ? DTypeCodes.code(in(n, 2).dtype()) : 0;
        int act = DTypeCodes.act(op.epilogue());
        return (in, o) -> d.launch(kernel, ceilDiv(nOut, TILE), ceilDiv(m, TILE), 1, 256, 1, 1, 0, new Launch()
                .ptr(in.get(0)).ptr(in.get(1)).ptrOrNull(op.hasBias() ? in.get(2) : null).i32(bdt)
                .ptr(o.get(0)).i32(m).i32(nOut).i32(k).i32(act));
    });

    static final CudaOps.Impl CONV2D = impl((d, n) -> {
        Conv2d op = (Conv2d) n.op();
        Support s = CudaOps.floatsOnly(n, 1);
        if (!s.supported()) {
            return s;
        }
        Shape x = shape(n, 0), w = shape(n, 1), y = out(n).shape();
        long pixels = (long) y.dim(0) * y.dim(2) * y.dim(3);
        long kc = (long) w.dim(1) * w.dim(2) * w.dim(3);
        if (pixels > Integer.MAX_VALUE - TILE || kc > Integer.MAX_VALUE - TILE
                || x.numel() / x.dim(0) > Integer.MAX_VALUE || ceilDiv(w.dim(0), TILE) > CudaOps.MAX_GRID_Y) {
            return Support.no("Conv2d: sizes exceed the kernel's 32-bit indexing");
        }
        return biasType(n, op.hasBias(), 2);
    }, (d, n) -> {
        Conv2d op = (Conv2d) n.op();
        Shape x = shape(n, 0), w = shape(n, 1), y = out(n).shape();
        int[] p = {x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3), y.dim(2), y.dim(3),
                op.strideH(), op.strideW(), op.padTop(), op.padLeft()};
        long pixels = (long) y.dim(0) * y.dim(2) * y.dim(3);
        String kernel = weightKernel(in(n, 1).dtype(), KernelNames.CONV_F32, KernelNames.CONV_F16, KernelNames.CONV_BF16);
        int bdt = op.hasBias() ? DTypeCodes.code(in(n, 2).dtype()) : 0;
        return (in, o) -> d.launch(kernel, ceilDiv(pixels, TILE), ceilDiv(w.dim(0), TILE), 1, 256, 1, 1, 0, new Launch()
                .ptr(in.get(0)).ptr(in.get(1)).ptrOrNull(op.hasBias() ? in.get(2) : null).i32(bdt)
                .ptr(o.get(0)).struct(p));
    });
}
