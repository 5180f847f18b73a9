package dev.nibble.engine.spi;

import java.util.List;

/**
 * One compiled node (or fused group) for one device and one set of shapes. Buffers come in the
 * node's input and output order; outputs never alias inputs. A kernel may enqueue work
 * asynchronously; {@link Device#synchronize()} waits for it.
 */
@FunctionalInterface
public interface Kernel {
    void run(List<DeviceBuffer> inputs, List<DeviceBuffer> outputs);
}
