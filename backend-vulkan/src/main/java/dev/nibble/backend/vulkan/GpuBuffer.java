package dev.nibble.backend.vulkan;

import dev.nibble.engine.spi.DeviceBuffer;

/**
 * A range of one memory block of a Vulkan device: the SPI's {@link DeviceBuffer}. Shaders reach it
 * by its device address ({@link #address()}), so slices cost nothing and have no alignment rules
 * beyond the element size. Closing a root buffer returns its range to the device's pool (deferred
 * until the current batch has finished when recorded work may still use it); closing a slice does
 * nothing.
 */
final class GpuBuffer implements DeviceBuffer {
    final Gpu gpu;
    final MemoryPool.Block block;
    final long offset;
    final long size;
    private final boolean root;
    private boolean closed;

    GpuBuffer(Gpu gpu, MemoryPool.Block block, long offset, long size, boolean root) {
        this.gpu = gpu;
        this.block = block;
        this.offset = offset;
        this.size = size;
        this.root = root;
    }

    long address() {
        return block.address + offset;
    }

    /** The byte range [offset + from, offset + from + bytes) of its block. */
    Gpu.Range range(long from, long bytes) {
        return new Gpu.Range(block.id, offset + from, offset + from + bytes);
    }

    Gpu.Range range() {
        return range(0, size);
    }

    @Override
    public long byteSize() {
        return size;
    }

    @Override
    public DeviceBuffer slice(long from, long bytes) {
        if (from < 0 || bytes < 0 || from + bytes > size) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + (from + bytes) + ") of a " + size + "-byte buffer");
        }
        return new GpuBuffer(gpu, block, offset + from, bytes, false);
    }

    boolean isRoot() {
        return root;
    }

    @Override
    public void close() {
        if (!root) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        gpu.release(this);
    }

    @Override
    public String toString() {
        return "GpuBuffer[block " + block.id + " +" + offset + ", " + size + " bytes]";
    }
}
