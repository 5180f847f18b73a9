package dev.nibble.engine.spi;

import java.lang.foreign.MemorySegment;

/**
 * A device buffer in host memory, for devices that compute on host memory (the CPU backend, test
 * devices). {@code onClose} returns a root buffer's bytes to its allocator.
 */
public final class HostBuffer implements DeviceBuffer {
    private final MemorySegment segment;
    private final Runnable onClose;

    public HostBuffer(MemorySegment segment, Runnable onClose) {
        this.segment = segment;
        this.onClose = onClose;
    }

    public static HostBuffer view(MemorySegment segment) {
        return new HostBuffer(segment, () -> { });
    }

    public MemorySegment segment() {
        return segment;
    }

    /** The host memory of a buffer that must be a {@link HostBuffer}. */
    public static MemorySegment of(DeviceBuffer b) {
        if (b instanceof HostBuffer h) {
            return h.segment;
        }
        throw new IllegalArgumentException("not a host buffer: " + b);
    }

    @Override
    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    public DeviceBuffer slice(long offset, long bytes) {
        return view(segment.asSlice(offset, bytes));
    }

    @Override
    public void close() {
        onClose.run();
    }
}
