package dev.nibble.engine.spi;

import java.util.List;

/**
 * A hardware backend, found through {@link java.util.ServiceLoader}: one {@code META-INF/services/
 * dev.nibble.engine.spi.Backend} line in the backend's jar. Implementations must be cheap to
 * construct: all probing of drivers happens in {@link #probe()}, which never throws and caches its
 * answer.
 */
public interface Backend {
    /** Short lower-case name used on the command line ("cpu", "opencl", "vulkan", "cuda"). */
    String name();

    /** Available, or the reason it is not (missing driver, no device, kernels not built). Never throws. */
    Availability probe();

    /** The devices of this backend, best first; empty when not available. */
    List<Device> devices();

    /**
     * Rank for {@code --backend auto}: the available backend with the highest score wins. Guide:
     * CPU 10, OpenCL/Vulkan on a CPU device 5, on an integrated GPU 50, on a discrete GPU 80, CUDA 100.
     */
    int score();
}
