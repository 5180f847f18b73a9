package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.AllocatorStats;
import dev.nibble.engine.spi.BackendException;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.DeviceKind;
import dev.nibble.engine.spi.DeviceOutOfMemoryException;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.spi.UnsupportedNodeException;
import dev.nibble.engine.tensor.Tensor;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_mem;
import org.jocl.cl_queue_properties;

import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One OpenCL device: a context and an in-order queue, buffers and transfers. Kernels for the op
 * catalogue arrive with the OpenCL issue; until then {@link #supports} says no for every node, so
 * graphs run on the CPU fallback (or fail under --strict) and nothing pretends to compute here.
 */
final class OpenClDevice implements Device {
    private final OpenClDeviceInfo info;
    private final String name;
    private final AtomicLong inUse = new AtomicLong();
    private final AtomicLong highWater = new AtomicLong();
    private cl_context context;
    private cl_command_queue queue;

    OpenClDevice(OpenClDeviceInfo info, int index) {
        this.info = info;
        this.name = "opencl:" + index + " (" + info.name() + ")";
    }

    private synchronized void open() {
        if (context != null) {
            return;
        }
        try {
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL.CL_CONTEXT_PLATFORM, info.platformId());
            context = CL.clCreateContext(props, 1, new org.jocl.cl_device_id[]{info.id()}, null, null, null);
            queue = CL.clCreateCommandQueueWithProperties(context, info.id(), new cl_queue_properties(), null);
        } catch (CLException e) {
            throw new BackendException("cannot open OpenCL device " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backendName() {
        return OpenClBackend.NAME;
    }

    @Override
    public DeviceKind kind() {
        return info.kind();
    }

    @Override
    public long memoryTotal() {
        return info.globalMemBytes();
    }

    @Override
    public long memoryFree() {
        return Math.max(0, info.globalMemBytes() - inUse.get()); // OpenCL has no portable free-memory query
    }

    @Override
    public Support supports(Node node) {
        return Support.no("no OpenCL kernel for " + node.op().opName() + " yet");
    }

    @Override
    public Kernel compile(Node node) {
        throw new UnsupportedNodeException(name + " cannot run " + node + ": " + supports(node).reason());
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        open();
        try {
            cl_mem mem = CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, Math.max(1, bytes), null, null);
            long now = inUse.addAndGet(bytes);
            highWater.accumulateAndGet(now, Math::max);
            return new OpenClBuffer(mem, 0, bytes, () -> {
                inUse.addAndGet(-bytes);
                CL.clReleaseMemObject(mem);
            });
        } catch (CLException e) {
            if (e.getStatus() == CL.CL_MEM_OBJECT_ALLOCATION_FAILURE || e.getStatus() == CL.CL_OUT_OF_RESOURCES
                    || e.getStatus() == CL.CL_INVALID_BUFFER_SIZE) {
                throw new DeviceOutOfMemoryException(name, bytes, memoryFree());
            }
            throw new BackendException("allocating " + bytes + " bytes on " + name + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public DeviceBuffer upload(Tensor host) {
        DeviceBuffer b = allocate(host.byteSize());
        write(b, host.data());
        return b;
    }

    @Override
    public void write(DeviceBuffer dst, MemorySegment src) {
        OpenClBuffer b = (OpenClBuffer) dst;
        if (src.byteSize() == 0) {
            return;
        }
        CL.clEnqueueWriteBuffer(queue, b.mem(), CL.CL_TRUE, b.offset(), src.byteSize(),
                Pointer.to(src.asByteBuffer()), 0, null, null);
    }

    @Override
    public void read(DeviceBuffer src, MemorySegment dst) {
        OpenClBuffer b = (OpenClBuffer) src;
        if (dst.byteSize() == 0) {
            return;
        }
        CL.clEnqueueReadBuffer(queue, b.mem(), CL.CL_TRUE, b.offset(), dst.byteSize(),
                Pointer.to(dst.asByteBuffer()), 0, null, null);
    }

    @Override
    public void synchronize() {
        if (queue != null) {
            CL.clFinish(queue);
        }
    }

    @Override
    public AllocatorStats allocatorStats() {
        return new AllocatorStats(inUse.get(), highWater.get());
    }

    @Override
    public Set<String> capabilities() {
        return Set.of(info.openclC());
    }
}
