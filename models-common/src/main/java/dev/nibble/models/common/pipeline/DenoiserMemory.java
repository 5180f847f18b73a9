package dev.nibble.models.common.pipeline;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.HostMemory;
import dev.nibble.engine.exec.MemoryPlan;

/**
 * Memory of one pipeline call in bytes: the denoiser's (transformer's, U-Net's) activation arena as planned
 * and the most bytes live at once in that plan; the device allocator's high-water mark over the process so
 * far (weights, arenas, the other stages' graphs); the host's peak resident set (VmHWM, 0 where /proc is
 * absent); the denoiser's weights as stored.
 */
public record DenoiserMemory(long arenaBytes, long peakLiveBytes, long deviceHighWaterBytes, long hostPeakRssBytes,
                             long weightBytes) {

    /** Read after a call: {@code plan} is the denoiser's compiled plan, {@code ex} the executor it ran on. */
    public static DenoiserMemory of(MemoryPlan plan, Executor ex, long weightBytes) {
        return new DenoiserMemory(plan.totalArenaBytes(), plan.totalPeakLiveBytes(),
                ex.device().allocatorStats().highWaterBytes(), HostMemory.peakRssBytes(), weightBytes);
    }
}
