package dev.nibble.backend.cpu;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;

/** Compiles nodes of one op type into CPU kernels. Kernels receive {@link dev.nibble.engine.spi.HostBuffer}s. */
public interface CpuKernelFactory {
    /** Whether this factory handles the node's attributes and dtypes; {@link Support#YES} by default. */
    default Support supports(Node node) {
        return Support.YES;
    }

    Kernel create(Node node);
}
