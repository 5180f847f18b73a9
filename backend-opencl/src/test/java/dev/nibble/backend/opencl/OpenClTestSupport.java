package dev.nibble.backend.opencl;

import dev.nibble.engine.spi.Availability;
import org.junit.jupiter.api.Assertions;

/**
 * The OpenCL device the tests run on. A missing OpenCL runtime fails the tests — never a silent
 * skip: this machine class runs OpenCL through PoCL, which .ci/run installs.
 */
final class OpenClTestSupport {
    private static final OpenClBackend BACKEND = new OpenClBackend();
    private static OpenClDevice localTiles;
    private static OpenClDevice registerBlocked;
    private static OpenClDevice portableCpu;

    private OpenClTestSupport() {
    }

    static void requireOpenCl() {
        Availability a = BACKEND.probe();
        if (!a.available()) {
            Assertions.fail("OpenCL is not available: " + a.reason()
                    + " (install pocl-opencl-icd ocl-icd-libopencl1 ocl-icd-opencl-dev, as .ci/run does)");
        }
    }

    /** The backend's first device (NIBBLE_OPENCL_DEVICE honoured). */
    static OpenClDevice device() {
        requireOpenCl();
        return (OpenClDevice) BACKEND.devices().get(0);
    }

    /** A second handle on the same hardware that uses the local-memory (GPU) kernels regardless of what it reports. */
    static synchronized OpenClDevice localTilesDevice() {
        OpenClDevice d = device();
        if (localTiles == null) {
            localTiles = new OpenClDevice(d.info(), 99, Tuning.of(d.info(), true));
        }
        return localTiles;
    }

    /**
     * A handle that uses the generic register-blocked kernels (devices with neither real local memory
     * nor a CPU device type), so that they stay tested on a CPU-only machine.
     */
    static synchronized OpenClDevice registerBlockedDevice() {
        OpenClDevice d = device();
        if (registerBlocked == null) {
            registerBlocked = new OpenClDevice(d.info(), 98, Tuning.of(d.info(), false, false));
        }
        return registerBlocked;
    }

    /** The CPU-device kernels without x86 builtins (their portable path, as on an ARM CPU). */
    static synchronized OpenClDevice portableCpuDevice() {
        OpenClDevice d = device();
        if (portableCpu == null) {
            portableCpu = new OpenClDevice(d.info(), 97, Tuning.of(d.info(), false, true).withX86(false));
        }
        return portableCpu;
    }
}
