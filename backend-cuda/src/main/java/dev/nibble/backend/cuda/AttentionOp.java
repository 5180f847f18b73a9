package dev.nibble.backend.cuda;

import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.Shape;

import static dev.nibble.backend.cuda.CudaOps.ceilDiv;
import static dev.nibble.backend.cuda.CudaOps.impl;
import static dev.nibble.backend.cuda.CudaOps.shape;

/** Flash-style attention (attention.cuh): 32 queries a block, keys in tiles of 32, online softmax. */
final class AttentionOp {
    private AttentionOp() {
    }

    static final int BQ = 32;
    static final int BK = 32;
    static final int MAX_HEAD_DIM = 256;

    /** Dynamic shared memory of one block, in bytes. */
    static int smemBytes(int dq, int dv) {
        return (BQ * (dq + 1) + BK * (Math.max(dq, dv) + 1) + BQ * (BK + 1)) * Float.BYTES;
    }

    /** Additive-mask strides for (b, h, i, j), 0 on broadcast dimensions. */
    static long[] maskStrides(Shape mask) {
        long[] s = mask.strides();
        for (int i = 0; i < 4; i++) {
            if (mask.dim(i) == 1) {
                s[i] = 0;
            }
        }
        return s;
    }

    static final CudaOps.Impl IMPL = impl((d, n) -> {
        Shape q = shape(n, 0), v = shape(n, 2);
        int dq = q.dim(3), dv = v.dim(3);
        if (dq > MAX_HEAD_DIM || dv > MAX_HEAD_DIM) {
            return Support.no("Attention: head dims " + dq + "/" + dv + " above " + MAX_HEAD_DIM);
        }
        int smem = smemBytes(dq, dv);
        if (smem > Math.max(48 * 1024, d.info().sharedMemoryOptin())) {
            return Support.no("Attention: head dims " + dq + "/" + dv + " need " + smem + " bytes of shared memory, the device has "
                    + d.info().sharedMemoryOptin());
        }
        if ((long) q.dim(0) * q.dim(1) > CudaOps.MAX_GRID_Y) {
            return Support.no("Attention: batch × heads above " + CudaOps.MAX_GRID_Y);
        }
        return Support.YES;
    }, (d, n) -> {
        Attention op = (Attention) n.op();
        Shape q = shape(n, 0), k = shape(n, 1), v = shape(n, 2);
        int b = q.dim(0), h = q.dim(1), lq = q.dim(2), dq = q.dim(3), lk = k.dim(2), dv = v.dim(3);
        long[] ms = op.hasMask() ? maskStrides(shape(n, 3)) : new long[4];
        String kernel = dv <= 64 ? KernelNames.ATTENTION_64 : dv <= 128 ? KernelNames.ATTENTION_128 : KernelNames.ATTENTION_256;
        int smem = smemBytes(dq, dv);
        return (in, o) -> d.launch(kernel, ceilDiv(lq, BQ), b * h, 1, 256, 1, 1, smem, new Launch()
                .ptr(in.get(0)).ptr(in.get(1)).ptr(in.get(2)).ptrOrNull(op.hasMask() ? in.get(3) : null).ptr(o.get(0))
                .i32(h).i32(lq).i32(lk).i32(dq).i32(dv).f32(op.scale()).i32(op.causal() ? 1 : 0)
                .i64(ms[0]).i64(ms[1]).i64(ms[2]).i64(ms[3]));
    });
}
