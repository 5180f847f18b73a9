package dev.nibble.backend.cpu.svdq;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.SvdqLinear;

import java.util.Map;

/** The SVDQ kernels for the CPU kernel sets: the lead merges these maps into "reference" and "fast". */
public final class SvdqKernels {
    private SvdqKernels() {
    }

    /** {@link SvdqLinear} → the literal reference kernel ({@link SvdqReference}). */
    public static Map<Class<? extends Op>, CpuKernelFactory> reference() {
        return Map.of(SvdqLinear.class, SvdqReference.factory());
    }

    /**
     * Heap scratch the fast SVDQ kernels have allocated (one shared workspace sized for the largest
     * layer, plus per-thread tiles), for memory reports. Packed weights are not included.
     */
    public static long scratchBytes() {
        return SvdqWorkspace.allocatedBytes();
    }

    /** {@link SvdqLinear} → the fused fast kernel ({@link SvdqFast}). */
    public static Map<Class<? extends Op>, CpuKernelFactory> fast() {
        return Map.of(SvdqLinear.class, SvdqFast.factory());
    }
}
