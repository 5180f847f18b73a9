package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.ShapeException;
import dev.nibble.engine.spi.AllocatorStats;
import dev.nibble.engine.spi.BackendException;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.DeviceKind;
import dev.nibble.engine.spi.DeviceOutOfMemoryException;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.KernelException;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.spi.UnsupportedNodeException;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;
import org.jocl.cl_queue_properties;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One OpenCL device: a context and an in-order queue, buffers and transfers, and kernels for every
 * op of the catalogue (see {@link OpKernels}). Kernels enqueue asynchronously; {@link #synchronize()}
 * waits. Driver failures become {@link KernelException}s or {@link DeviceOutOfMemoryException}s that
 * name the kernel and the node.
 */
final class OpenClDevice implements Device {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final long TRANSFER_CHUNK = 1L << 30;

    private final OpenClDeviceInfo info;
    private final String name;
    private final Tuning tuning;
    private final Object lock = new Object();
    private final AtomicLong inUse = new AtomicLong();
    private final AtomicLong highWater = new AtomicLong();
    private final ClPrograms programs = new ClPrograms(this);
    private final PackCache packs = new PackCache(this);
    private volatile cl_context context;
    private cl_command_queue queue;
    private cl_mem dummy;
    private String lastKernel;
    private Node lastNode;

    OpenClDevice(OpenClDeviceInfo info, int index) {
        this(info, index, Tuning.of(info));
    }

    OpenClDevice(OpenClDeviceInfo info, int index, Tuning tuning) {
        this.info = info;
        this.name = "opencl:" + index + " (" + info.name() + ")";
        this.tuning = tuning;
    }

    private void open() {
        if (context != null) {
            return;
        }
        synchronized (lock) {
            if (context != null) {
                return;
            }
            try {
                cl_context_properties props = new cl_context_properties();
                props.addProperty(CL.CL_CONTEXT_PLATFORM, info.platformId());
                cl_context ctx = CL.clCreateContext(props, 1, new cl_device_id[] {info.id()}, null, null, null);
                try {
                    queue = CL.clCreateCommandQueueWithProperties(ctx, info.id(), new cl_queue_properties(), null);
                } catch (CLException | UnsatisfiedLinkError e) {
                    queue = createQueue12(ctx); // OpenCL 1.x platform
                }
                dummy = CL.clCreateBuffer(ctx, CL.CL_MEM_READ_WRITE, 64, null, null);
                context = ctx;
            } catch (CLException e) {
                throw new BackendException("cannot open OpenCL device " + name + ": " + e.getMessage(), e);
            }
        }
    }

    @SuppressWarnings("deprecation")
    private cl_command_queue createQueue12(cl_context ctx) {
        return CL.clCreateCommandQueue(ctx, info.id(), 0, null);
    }

    OpenClDeviceInfo info() {
        return info;
    }

    Tuning tuning() {
        return tuning;
    }

    Object lock() {
        return lock;
    }

    cl_context context() {
        open();
        return context;
    }

    cl_command_queue queue() {
        open();
        return queue;
    }

    /** A small buffer bound where an optional input (a missing bias) is absent. */
    cl_mem dummy() {
        open();
        return dummy;
    }

    ClPrograms programs() {
        open();
        return programs;
    }

    /** Packed copies of constant weights (the CPU-device kernels). */
    PackCache packs() {
        open();
        return packs;
    }

    /** Records the last enqueued kernel, so that a failure seen at the next wait can name it. */
    void enqueued(String kernel, Node node) {
        lastKernel = kernel;
        lastNode = node;
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
        List<TensorSpec> in = node.inputs().stream().map(Value::spec).toList();
        List<TensorSpec> expected;
        try {
            expected = node.op().infer(in);
        } catch (ShapeException e) {
            return Support.no(e.getMessage());
        }
        List<TensorSpec> actual = node.outputs().stream().map(Value::spec).toList();
        if (!expected.equals(actual)) {
            return Support.no(node.op().opName() + " on " + in + " gives " + expected + ", but the node's outputs are " + actual);
        }
        for (Value v : node.inputs()) {
            if (v.spec().shape().numel() >= Integer.MAX_VALUE) {
                return Support.no("tensor " + v + " has 2^31 elements or more (kernels index with int)");
            }
        }
        for (Value v : node.outputs()) {
            if (v.spec().shape().numel() >= Integer.MAX_VALUE) {
                return Support.no("tensor " + v + " has 2^31 elements or more (kernels index with int)");
            }
        }
        return OpKernels.supports(node, this);
    }

    @Override
    public Kernel compile(Node node) {
        Support s = supports(node);
        if (!s.supported()) {
            throw new UnsupportedNodeException(name + " cannot run " + node + ": " + s.reason());
        }
        open();
        return OpKernels.create(node, this);
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        cl_mem mem = createBuffer(bytes, "a " + bytes + "-byte buffer");
        Runnable release = releaser(mem, bytes);
        long handle = mem.getNativePointer();
        // packed copies made from this buffer (weights) go with it: under a weight budget an evicted weight
        // must not leave its packed copy behind on the device
        return new OpenClBuffer(mem, 0, bytes, () -> {
            packs.forget(handle);
            release.run();
        });
    }

    private Runnable releaser(cl_mem mem, long bytes) {
        boolean[] released = {false};
        return () -> {
            synchronized (released) {
                if (released[0]) {
                    return;
                }
                released[0] = true;
            }
            inUse.addAndGet(-bytes);
            CL.clReleaseMemObject(mem);
        };
    }

    private cl_mem createBuffer(long bytes, String what) {
        open();
        if (bytes > info.maxAllocBytes() && info.maxAllocBytes() > 0) {
            throw new DeviceOutOfMemoryException(name + " (" + what + " exceeds CL_DEVICE_MAX_MEM_ALLOC_SIZE "
                    + info.maxAllocBytes() + ")", bytes, memoryFree());
        }
        try {
            cl_mem mem = CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, Math.max(1, bytes), null, null);
            long now = inUse.addAndGet(bytes);
            highWater.accumulateAndGet(now, Math::max);
            return mem;
        } catch (CLException e) {
            if (ClErrors.outOfMemory(e.getStatus()) || e.getStatus() == CL.CL_OUT_OF_RESOURCES) {
                DeviceOutOfMemoryException oom = new DeviceOutOfMemoryException(name + " (" + what + ")", bytes, memoryFree());
                oom.initCause(e);
                throw oom;
            }
            throw new BackendException("allocating " + bytes + " bytes on " + name + " failed: " + ClErrors.status(e.getStatus()), e);
        }
    }

    /**
     * Scratch memory owned by a kernel object (SVDQ's quantised activations): released when
     * {@code owner} becomes unreachable. Counted in the allocator statistics.
     */
    cl_mem scratch(Object owner, long bytes, String what) {
        return ownedScratch(owner, bytes, what).mem();
    }

    /** Scratch memory released when {@code owner} becomes unreachable or, earlier, by its {@code release}. */
    record Owned(cl_mem mem, Cleaner.Cleanable release) {
    }

    /** As {@link #scratch}, with a handle that releases the memory now (once; the owner's cleaner then does nothing). */
    Owned ownedScratch(Object owner, long bytes, String what) {
        cl_mem mem = createBuffer(bytes, what);
        return new Owned(mem, CLEANER.register(owner, releaser(mem, bytes)));
    }

    /** Uploads a small constant array as a buffer owned by {@code owner}. */
    cl_mem constant(Object owner, float[] values, String what) {
        cl_mem mem = scratch(owner, (long) values.length * Float.BYTES, what);
        synchronized (lock) {
            CL.clEnqueueWriteBuffer(queue, mem, CL.CL_TRUE, 0, (long) values.length * Float.BYTES,
                    Pointer.to(values), 0, null, null);
        }
        return mem;
    }

    @Override
    public DeviceBuffer upload(Tensor host) {
        DeviceBuffer b = allocate(host.byteSize());
        try {
            write(b, host.data());
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    @Override
    public void write(DeviceBuffer dst, MemorySegment src) {
        OpenClBuffer b = (OpenClBuffer) dst;
        if (src.byteSize() == 0) {
            return;
        }
        if (src.byteSize() > b.byteSize()) {
            throw new IllegalArgumentException("writing " + src.byteSize() + " bytes into a " + b.byteSize() + "-byte buffer");
        }
        if (!src.isNative()) { // heap segments of non-byte arrays have no ByteBuffer view: stage them
            try (Arena staging = Arena.ofConfined()) {
                MemorySegment tmp = staging.allocate(src.byteSize(), 64);
                tmp.copyFrom(src);
                write(dst, tmp);
            }
            return;
        }
        synchronized (lock) {
            try {
                for (long at = 0; at < src.byteSize(); at += TRANSFER_CHUNK) { // a ByteBuffer holds < 2 GiB
                    long n = Math.min(TRANSFER_CHUNK, src.byteSize() - at);
                    CL.clEnqueueWriteBuffer(queue(), b.mem(), CL.CL_TRUE, b.offset() + at, n,
                            Pointer.to(src.asSlice(at, n).asByteBuffer()), 0, null, null);
                }
            } catch (CLException e) {
                throw ClErrors.sync(e, name + " (writing " + src.byteSize() + " bytes)", lastKernel, lastNode);
            }
        }
    }

    @Override
    public void read(DeviceBuffer src, MemorySegment dst) {
        OpenClBuffer b = (OpenClBuffer) src;
        if (dst.byteSize() == 0) {
            return;
        }
        if (dst.byteSize() > b.byteSize()) {
            throw new IllegalArgumentException("reading " + dst.byteSize() + " bytes from a " + b.byteSize() + "-byte buffer");
        }
        if (!dst.isNative()) {
            try (Arena staging = Arena.ofConfined()) {
                MemorySegment tmp = staging.allocate(dst.byteSize(), 64);
                read(src, tmp);
                dst.copyFrom(tmp);
            }
            return;
        }
        synchronized (lock) {
            try {
                for (long at = 0; at < dst.byteSize(); at += TRANSFER_CHUNK) {
                    long n = Math.min(TRANSFER_CHUNK, dst.byteSize() - at);
                    CL.clEnqueueReadBuffer(queue(), b.mem(), CL.CL_TRUE, b.offset() + at, n,
                            Pointer.to(dst.asSlice(at, n).asByteBuffer()), 0, null, null);
                }
            } catch (CLException e) {
                throw ClErrors.sync(e, name + " (reading " + dst.byteSize() + " bytes)", lastKernel, lastNode);
            }
        }
    }

    /** Blocking read of {@code bytes} bytes at {@code offset} of an internal buffer. */
    void readRaw(cl_mem mem, long offset, long bytes, Pointer dst) {
        synchronized (lock) {
            try {
                CL.clEnqueueReadBuffer(queue(), mem, CL.CL_TRUE, offset, bytes, dst, 0, null, null);
            } catch (CLException e) {
                throw ClErrors.sync(e, name, lastKernel, lastNode);
            }
        }
    }

    /** Enqueued write of a small internal buffer (ordered before later kernels by the in-order queue). */
    void writeRaw(cl_mem mem, long offset, long bytes, Pointer src) {
        synchronized (lock) {
            try {
                CL.clEnqueueWriteBuffer(queue(), mem, CL.CL_TRUE, offset, bytes, src, 0, null, null);
            } catch (CLException e) {
                throw ClErrors.sync(e, name, lastKernel, lastNode);
            }
        }
    }

    @Override
    public void synchronize() {
        if (context == null) {
            return;
        }
        synchronized (lock) {
            try {
                CL.clFinish(queue);
            } catch (CLException e) {
                throw ClErrors.sync(e, name, lastKernel, lastNode);
            }
        }
    }

    @Override
    public AllocatorStats allocatorStats() {
        return new AllocatorStats(inUse.get(), highWater.get());
    }

    @Override
    public Set<String> capabilities() {
        Set<String> c = new LinkedHashSet<>();
        c.add(info.openclC());
        c.addAll(tuning.capabilities());
        c.add("fused-svdq");
        c.add("fused-svdq-gelu");
        c.add("fused-linear-activation");
        return c;
    }

    @Override
    public String toString() {
        return name;
    }
}
