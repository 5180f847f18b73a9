package dev.nibble.backend.cpu;

import dev.nibble.backend.cpu.fast.FastKernels;
import dev.nibble.backend.cpu.reference.ReferenceKernels;
import dev.nibble.backend.cpu.svdq.SvdqKernels;
import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Device;

import java.util.List;

/**
 * The CPU backend: always available. Its device runs the fast kernels; {@link #referenceDevice()}
 * runs the plain reference kernels that every backend's conformance is judged against.
 */
public final class CpuBackend implements Backend {
    public static final String NAME = "cpu";

    private static final class Holder {
        static final CpuKernelSet REFERENCE = ReferenceKernels.kernelSet().with("reference", SvdqKernels.reference());
        static final CpuDevice REFERENCE_DEVICE = new CpuDevice("cpu-reference", REFERENCE);
        static final CpuDevice FAST_DEVICE = new CpuDevice("cpu",
                FastKernels.kernelSet(REFERENCE).with("fast", SvdqKernels.fast()));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability probe() {
        return Availability.available(CpuInfo.describe());
    }

    @Override
    public List<Device> devices() {
        return List.of(Holder.FAST_DEVICE);
    }

    @Override
    public int score() {
        return 10;
    }

    /** The device running the reference kernels (the oracle of the conformance kit). */
    public static CpuDevice referenceDevice() {
        return Holder.REFERENCE_DEVICE;
    }

    /** The device running the fast kernels. */
    public static CpuDevice fastDevice() {
        return Holder.FAST_DEVICE;
    }
}
