package dev.nibble.engine.spi;

/**
 * Memory on a device. Slices share their parent's memory (the executor hands kernels slices of one
 * activation arena). Closing a root buffer returns it to the device allocator; closing a slice does
 * nothing.
 */
public interface DeviceBuffer extends AutoCloseable {
    long byteSize();

    DeviceBuffer slice(long offset, long bytes);

    @Override
    void close();
}
