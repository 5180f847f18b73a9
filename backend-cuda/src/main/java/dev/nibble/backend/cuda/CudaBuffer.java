package dev.nibble.backend.cuda;

import dev.nibble.engine.spi.DeviceBuffer;
import jcuda.driver.CUdeviceptr;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Device memory of a {@link CudaDevice}: a root allocation from its caching allocator, or a slice of
 * one (sharing its memory). Closing a root returns it to the allocator; closing a slice does nothing.
 */
final class CudaBuffer implements DeviceBuffer {
    /** cuMemAlloc returns memory aligned to at least this. */
    static final long BASE_ALIGNMENT = 256;

    final CudaDevice device;
    private final SizeClassAllocator.Block<CUdeviceptr> block; // null for slices
    private final CUdeviceptr base;
    private final long offset;
    private final long size;
    private final AtomicBoolean closed = new AtomicBoolean();
    private CUdeviceptr pointer;

    CudaBuffer(CudaDevice device, SizeClassAllocator.Block<CUdeviceptr> block, long size) {
        this(device, block, block.handle(), 0, size);
    }

    private CudaBuffer(CudaDevice device, SizeClassAllocator.Block<CUdeviceptr> block, CUdeviceptr base, long offset,
                       long size) {
        this.device = device;
        this.block = block;
        this.base = base;
        this.offset = offset;
        this.size = size;
    }

    /** The device address of this buffer's first byte. */
    CUdeviceptr pointer() {
        CUdeviceptr p = pointer;
        if (p == null) {
            p = offset == 0 ? base : base.withByteOffset(offset);
            pointer = p;
        }
        return p;
    }

    /** Byte offset from the root allocation (whose start is 256-byte aligned). */
    long offset() {
        return offset;
    }

    /** The largest power of two (≤ 256) dividing this buffer's address. */
    long alignment() {
        return offset == 0 ? BASE_ALIGNMENT : Math.min(BASE_ALIGNMENT, Long.lowestOneBit(offset));
    }

    @Override
    public long byteSize() {
        return size;
    }

    @Override
    public DeviceBuffer slice(long off, long bytes) {
        if (off < 0 || bytes < 0 || off + bytes > size) {
            throw new IndexOutOfBoundsException("slice [" + off + ", " + (off + bytes) + ") of a " + size
                    + "-byte buffer on " + device.name());
        }
        return new CudaBuffer(device, null, base, offset + off, bytes);
    }

    @Override
    public void close() {
        if (block != null && closed.compareAndSet(false, true)) {
            device.release(block);
        }
    }

    @Override
    public String toString() {
        return "CudaBuffer[" + device.name() + ", +" + offset + ", " + size + " bytes]";
    }
}
