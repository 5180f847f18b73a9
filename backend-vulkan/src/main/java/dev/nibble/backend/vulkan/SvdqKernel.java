package dev.nibble.backend.vulkan;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.tensor.Shape;

/**
 * SvdqLinear (DESIGN.md §3) as the fused pair of dispatches:
 * <ol>
 *   <li>{@code svdq_quant}: one read of each row of x gives the group scales sx, the packed int4
 *       activations qx and the low-rank down-projection t = x·proj_down;</li>
 *   <li>{@code svdq_gemm}: the 4-bit GEMM with int32 accumulation within each group, group scales,
 *       then t·proj_upᵀ, bias and the epilogue in the same tile — one write of y.</li>
 * </ol>
 * Variants by device and shape: exact divisions through float64 where the device has it (else a
 * float32 correction step); the tiled GEMM when G is a multiple of 8 and its tiles fit shared
 * memory, else a per-output kernel for any even G; qweight read as 32-bit words when its rows are
 * word-aligned, else byte by byte (8-bit storage).
 */
final class SvdqKernel {
    private SvdqKernel() {
    }

    /** Chunk length of the quantisation pass and whether the tiled GEMM applies. */
    record Plan(int chunk, int jq, boolean tiled) {
    }

    static Plan plan(int g, int r, DeviceInfo info) {
        int step = lcm(g, 8);
        int chunk = step * Math.max(1, 256 / step);
        int jq = Math.max(1, (r + 31) / 32);
        long quantShared = 8L * chunk + 4L * (chunk / g) + 4L * 8 * 32 * jq;
        if (quantShared > info.maxSharedMemory()) {
            return null;
        }
        long gemmShared = 2L * 64 * (g / 8) * 4 + 2L * 64 * 4 + 2L * 16 * 65 * 4;
        boolean tiled = g % 8 == 0 && gemmShared <= info.maxSharedMemory();
        return new Plan(chunk, jq, tiled);
    }

    private static int lcm(int a, int b) {
        int x = a, y = b;
        while (y != 0) {
            int t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }

    /**
     * Pass 1 alone: x [m, k] F32, smooth [k] and down [k, r] of dtype codes sdt/ddt into qx
     * [m, ceil(Kp/8)] words, sx [m, Kp/G] and t [m, r].
     */
    static void quantize(Gpu gpu, Plan plan, boolean f64, GpuBuffer x, GpuBuffer smooth, GpuBuffer down, GpuBuffer qx,
                         GpuBuffer sx, GpuBuffer t, long m, int k, int g, int r, int sdt, int ddt) {
        int kp = (k + g - 1) / g * g;
        gpu.dispatch(f64 ? "svdq_quant_f64" : "svdq_quant", plan.chunk(), g, plan.jq())
                .read(x).read(smooth).read(down).write(qx).write(sx).write(t)
                .u32(m).u32(k).u32(kp).u32(r).u32((kp + 7) / 8).i32(sdt).i32(ddt).runRows(m);
    }

    static VkKernels.Recorder create(Node node, Gpu gpu, SvdqLinear op) {
        Shape xs = VkKernels.in(node, 0).shape();
        long m = xs.outer(-1);
        int k = xs.last();
        int kp = op.paddedK(k);
        int g = op.groupSize();
        int groups = kp / g;
        int n = VkKernels.in(node, 1).shape().dim(0);
        int r = VkKernels.in(node, 4).shape().dim(1);
        int kw = (kp + 7) / 8;
        Plan plan = plan(g, r, gpu.info);
        int wsdt = VkKernels.dt(VkKernels.in(node, 2).dtype());
        int sdt = VkKernels.dt(VkKernels.in(node, 3).dtype());
        int ddt = VkKernels.dt(VkKernels.in(node, 4).dtype());
        int updt = VkKernels.dt(VkKernels.in(node, 5).dtype());
        int bdt = op.hasBias() ? VkKernels.dt(VkKernels.in(node, 6).dtype()) : -1;
        int epi = op.epilogue().ordinal();
        return (i, o) -> {
            if (m == 0 || n == 0) {
                return;
            }
            GpuBuffer qx = gpu.scratch(m * kw * 4);
            GpuBuffer sx = gpu.scratch(m * groups * 4);
            GpuBuffer t = gpu.scratch(m * Math.max(1, r) * 4L);
            quantize(gpu, plan, gpu.info.float64(), i.get(0), i.get(3), i.get(4), qx, sx, t, m, k, g, r, sdt, ddt);
            GpuBuffer bias = op.hasBias() ? i.get(6) : null;
            if (plan.tiled()) {
                int qwb = i.get(1).address() % 4 == 0 ? 0 : 1;
                gpu.dispatch("svdq_gemm", g / 8)
                        .read(qx).read(sx).read(t).read(i.get(1)).read(i.get(2)).read(i.get(5)).readOrNull(bias).write(o.get(0))
                        .u32(m).u32(n).u32(groups).u32(kw).u32(r).i32(qwb).i32(wsdt).i32(updt).i32(bdt).i32(epi).run(VkKernels.cdiv(n, 64), VkKernels.cdiv(m, 64), 1);
            } else {
                gpu.dispatch("svdq_gemm_simple")
                        .read(qx).read(sx).read(t).read(i.get(1)).read(i.get(2)).read(i.get(5)).readOrNull(bias).write(o.get(0))
                        .u32(m).u32(n).u32(groups).u32(kw).u32(r).u32(g).i32(wsdt).i32(updt).i32(bdt).i32(epi).runLinear(m * n);
            }
        };
    }
}
