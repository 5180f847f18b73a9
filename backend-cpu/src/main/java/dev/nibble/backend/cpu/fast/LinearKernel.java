package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.TensorSpec;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Linear through the packed GEMM. The weight is packed into 32-column panels the first time the
 * kernel sees it (F32 for F32/F16 weights, BF16 for BF16 weights) and the packed copy is reused while
 * the same weight memory comes back, which for constants is every run.
 */
final class LinearKernel implements Kernel, ScratchUser {
    static final CpuKernelFactory FACTORY = new CpuKernelFactory() {
        @Override
        public Kernel create(Node node) {
            return new LinearKernel(node);
        }
    };

    private final Linear op;
    private final int m;
    private final int n;
    private final int k;
    private final DType wType;
    private final DType biasType;
    private final float[] bias;
    private final Gemm.Plan plan;
    private long packedAddress;
    private long packedSize;
    private long packedFingerprint;
    private PackedB packed;

    LinearKernel(Node node) {
        this.op = (Linear) node.op();
        TensorSpec x = node.inputs().get(0).spec();
        TensorSpec w = node.inputs().get(1).spec();
        this.k = x.shape().last();
        this.m = (int) (k == 0 ? x.shape().numel() : x.shape().numel() / k);
        if (k == 0) {
            long outer = 1;
            for (int i = 0; i < x.shape().rank() - 1; i++) {
                outer *= x.shape().dim(i);
            }
            throw new IllegalArgumentException("Linear with K = 0 over " + outer + " rows is not supported");
        }
        this.n = w.shape().dim(0);
        this.wType = w.dtype();
        this.biasType = op.hasBias() ? node.inputs().get(2).spec().dtype() : null;
        this.bias = op.hasBias() ? new float[n] : null;
        this.plan = new Gemm.Plan(m, n, k, ScratchPool.slots());
        ScratchPool.reserve(plan.scratchBytes());
        ScratchPool.reserveHeap(plan.heapFloats());
    }

    @Override
    public long scratchBytesPerWorker() {
        return plan.scratchBytes();
    }

    @Override
    public synchronized void run(List<DeviceBuffer> inputs, List<DeviceBuffer> outputs) {
        if (m == 0 || n == 0) {
            return;
        }
        MemorySegment x = Bufs.seg(inputs.get(0));
        MemorySegment w = Bufs.seg(inputs.get(1));
        MemorySegment y = Bufs.seg(outputs.get(0));
        if (bias != null) {
            Bufs.toFloats(Bufs.seg(inputs.get(2)), biasType, 0, bias, n);
        }
        Gemm.linear(plan, x, weights(w), bias, y, op.epilogue() == null ? UnaryFn.IDENTITY : op.epilogue());
    }

    /** The packed weight for {@code w}: this kernel's copy while the memory is unchanged, else the shared cache's. */
    PackedB weights(MemorySegment w) {
        long fp = WeightCache.fingerprint(w);
        if (packed != null && w.address() == packedAddress && w.byteSize() == packedSize && fp == packedFingerprint) {
            return packed;
        }
        PackedB p = WeightCache.get(WeightCache.key(w, wType, n, k, PackedB.packsAsBf16(wType) ? "B-bf16" : "B-f32"),
                w, () -> PackedB.pack(w, wType, n, k));
        packed = p;
        packedAddress = w.address();
        packedSize = w.byteSize();
        packedFingerprint = fp;
        return p;
    }
}
