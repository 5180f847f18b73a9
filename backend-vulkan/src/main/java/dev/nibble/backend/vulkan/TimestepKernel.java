package dev.nibble.backend.vulkan;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.TimestepEmbedding;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * TimestepEmbedding: the frequency table is computed once on the host exactly as diffusers does in
 * float32 (and as the reference kernel does), uploaded with the kernel, and the shader evaluates
 * sin/cos of {@code scale·(t·freq)} with an accurate range reduction.
 */
final class TimestepKernel {
    private static final Cleaner CLEANER = Cleaner.create();

    private TimestepKernel() {
    }

    static VkKernels.Recorder create(Node node, Gpu gpu, TimestepEmbedding op) {
        int batch = node.inputs().get(0).spec().shape().dim(0);
        int half = op.dim() / 2;
        float negLog = (float) -Math.log(op.maxPeriod());
        float denom = (float) (half - (double) op.downscaleFreqShift());
        GpuBuffer freq = gpu.allocate(Math.max(4, 4L * half));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(Math.max(4, 4L * half));
            for (int j = 0; j < half; j++) {
                float exponent = (negLog * j) / denom;
                f.setAtIndex(Tensor.F32, j, (float) Math.exp(exponent));
            }
            gpu.write(freq, f);
        }
        VkKernels.Recorder r = (i, o) -> {
            long n = (long) batch * op.dim();
            if (n > 0) {
                gpu.dispatch("timestep").read(i.get(0)).read(freq).write(o.get(0))
                        .u32(batch).u32(op.dim()).u32(half).f32(op.scale()).i32(op.flipSinToCos() ? 1 : 0).runLinear(n);
            }
        };
        CLEANER.register(r, freq::close); // the table lives as long as the kernel
        return r;
    }
}
