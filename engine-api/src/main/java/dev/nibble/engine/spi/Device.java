package dev.nibble.engine.spi;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Set;

/**
 * One compute device of a backend: it allocates memory, moves data, and compiles graph nodes into
 * {@link Kernel}s. Optional features are named in {@link #capabilities()} (e.g. "fused-svdq-gelu")
 * rather than by widening this interface.
 */
public interface Device {
    /** Unique, stable name, e.g. "cpu", "opencl:0 (pthread-AMD EPYC)". */
    String name();

    String backendName();

    DeviceKind kind();

    /** Total device memory in bytes (host RAM for CPU devices). */
    long memoryTotal();

    /** Memory free now, in bytes, as far as the driver tells. */
    long memoryFree();

    /** Whether {@link #compile} accepts this node (op, attributes, dtypes, shapes). */
    Support supports(Node node);

    /** Compiles {@code node}; throws {@link UnsupportedNodeException} when {@link #supports} says no. */
    Kernel compile(Node node);

    /** Fresh memory; throws {@link DeviceOutOfMemoryException} naming the device and the size. */
    DeviceBuffer allocate(long bytes);

    /** A buffer holding a copy of {@code host} (or a zero-copy view, where the device shares host memory). */
    DeviceBuffer upload(Tensor host);

    /** Copies {@code src} into the start of {@code dst}. */
    void write(DeviceBuffer dst, MemorySegment src);

    /** Copies the start of {@code src} into {@code dst}, which it fills. */
    void read(DeviceBuffer src, MemorySegment dst);

    /** Waits for all work enqueued on this device. */
    void synchronize();

    AllocatorStats allocatorStats();

    Set<String> capabilities();
}
