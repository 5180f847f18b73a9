package dev.nibble.backend.opencl;

import dev.nibble.engine.spi.DeviceBuffer;
import org.jocl.cl_mem;

/** A range of an OpenCL buffer; slices share the cl_mem and carry an offset. */
record OpenClBuffer(cl_mem mem, long offset, long byteSize, Runnable release) implements DeviceBuffer {
    @Override
    public DeviceBuffer slice(long off, long bytes) {
        if (off < 0 || bytes < 0 || off + bytes > byteSize) {
            throw new IndexOutOfBoundsException("slice [" + off + ", +" + bytes + ") of a " + byteSize + "-byte buffer");
        }
        return new OpenClBuffer(mem, offset + off, bytes, () -> { });
    }

    @Override
    public void close() {
        release.run();
    }
}
