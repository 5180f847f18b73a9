package dev.nibble.backend.cuda;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.AllocatorStats;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.DeviceKind;
import dev.nibble.engine.spi.DeviceOutOfMemoryException;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.KernelException;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.spi.UnsupportedNodeException;
import dev.nibble.engine.tensor.Tensor;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One CUDA GPU: its primary context, one stream on which every copy and kernel is enqueued (so
 * work runs in program order and freed scratch can be reused at once), the kernels fatbin loaded
 * as one module, a caching device allocator, and pinned staging buffers for transfers.
 */
public final class CudaDevice implements Device {
    /** System property (or env NIBBLE_CUDA_SVDQ) choosing the SvdqLinear GEMM: auto, s4, s8 or simple. */
    public static final String SVDQ_PATH_PROPERTY = "nibble.cuda.svdq";

    private final CudaDeviceInfo info;
    private final Fatbin fatbin;
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final CudaModule module;
    private final SizeClassAllocator<CUdeviceptr> allocator;
    private final Staging staging;
    private final String name;
    private final Object lock = new Object();
    private final List<DeferredCheck> deferred = new ArrayList<>();
    private volatile SvdqPath svdqPath;

    private record DeferredCheck(CudaBuffer flag, Supplier<String> message) {
    }

    CudaDevice(CudaDeviceInfo info, byte[] fatbinBytes, Fatbin fatbin) {
        this.info = info;
        this.fatbin = fatbin;
        this.name = "cuda:" + info.ordinal() + " (" + info.name() + ")";
        CUdevice dev = new CUdevice();
        Cu.check(JCudaDriver.cuDeviceGet(dev, info.ordinal()), "cuDeviceGet");
        Cu.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, dev), "cuDevicePrimaryCtxRetain");
        bind();
        Cu.check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        this.module = new CudaModule(fatbinBytes);
        this.allocator = new SizeClassAllocator<>(new SizeClassAllocator.Backing<>() {
            @Override
            public CUdeviceptr allocate(long bytes) {
                CUdeviceptr p = new CUdeviceptr();
                int rc = JCudaDriver.cuMemAlloc(p, bytes);
                if (rc == Cu.OUT_OF_MEMORY) {
                    // let queued work finish before the allocator frees its cache
                    Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
                    return null;
                }
                Cu.check(rc, "cuMemAlloc(" + bytes + ")");
                return p;
            }

            @Override
            public void free(CUdeviceptr handle) {
                Cu.check(JCudaDriver.cuMemFree(handle), "cuMemFree");
            }
        });
        this.staging = new Staging(stream);
        this.svdqPath = SvdqPath.fromSetting(System.getProperty(SVDQ_PATH_PROPERTY, System.getenv("NIBBLE_CUDA_SVDQ")));
    }

    CudaDeviceInfo info() {
        return info;
    }

    Fatbin fatbin() {
        return fatbin;
    }

    CudaModule module() {
        return module;
    }

    /** The SvdqLinear GEMM kernels compiled from now on use {@code p} (AUTO: by compute capability). */
    public void setSvdqPath(SvdqPath p) {
        this.svdqPath = p;
    }

    SvdqPath svdqPathSetting() {
        return svdqPath;
    }

    /** Makes this device's context current on the calling thread. */
    void bind() {
        Cu.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backendName() {
        return CudaBackend.NAME;
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.GPU;
    }

    @Override
    public long memoryTotal() {
        return info.totalMemory();
    }

    @Override
    public long memoryFree() {
        synchronized (lock) {
            bind();
            long[] free = new long[1], total = new long[1];
            Cu.check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
            return free[0];
        }
    }

    @Override
    public Support supports(Node node) {
        return CudaOps.supports(this, node);
    }

    @Override
    public Kernel compile(Node node) {
        Support s = supports(node);
        if (!s.supported()) {
            throw new UnsupportedNodeException(name + " cannot run " + node + ": " + s.reason());
        }
        return CudaOps.compile(this, node);
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation: " + bytes);
        }
        synchronized (lock) {
            bind();
            try {
                return new CudaBuffer(this, allocator.allocate(Math.max(1, bytes)), bytes);
            } catch (SizeClassAllocator.OutOfMemory e) {
                long[] free = new long[1], total = new long[1];
                JCudaDriver.cuMemGetInfo(free, total);
                throw new DeviceOutOfMemoryException(name, bytes, free[0]);
            }
        }
    }

    void release(SizeClassAllocator.Block<CUdeviceptr> block) {
        allocator.release(block);
    }

    /** Scratch for one kernel run, to be closed right after the launches that use it are enqueued. */
    CudaBuffer scratch(long bytes) {
        return (CudaBuffer) allocate(bytes);
    }

    @Override
    public DeviceBuffer upload(Tensor host) {
        DeviceBuffer b = allocate(host.byteSize());
        write(b, host.data());
        return b;
    }

    @Override
    public void write(DeviceBuffer dst, MemorySegment src) {
        CudaBuffer d = own(dst, "write");
        if (src.byteSize() > d.byteSize()) {
            throw new IllegalArgumentException("write of " + src.byteSize() + " bytes into a " + d.byteSize()
                    + "-byte buffer on " + name);
        }
        synchronized (lock) {
            bind();
            staging.upload(d.pointer(), src);
        }
    }

    @Override
    public void read(DeviceBuffer src, MemorySegment dst) {
        CudaBuffer s = own(src, "read");
        if (dst.byteSize() > s.byteSize()) {
            throw new IllegalArgumentException("read of " + dst.byteSize() + " bytes from a " + s.byteSize()
                    + "-byte buffer on " + name);
        }
        synchronized (lock) {
            bind();
            staging.download(s.pointer(), dst);
        }
    }

    /** Fills {@code bytes} bytes at the start of {@code b} with {@code value}, in stream order. */
    void memset(CudaBuffer b, byte value, long bytes) {
        synchronized (lock) {
            bind();
            Cu.check(JCudaDriver.cuMemsetD8Async(b.pointer(), value, bytes, stream), "cuMemsetD8Async");
        }
    }

    @Override
    public void synchronize() {
        List<DeferredCheck> checks;
        synchronized (lock) {
            bind();
            Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize on " + name
                    + " (a kernel failed; the context may be unusable)");
            checks = new ArrayList<>(deferred);
            deferred.clear();
        }
        String failure = null;
        for (DeferredCheck c : checks) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment v = a.allocate(4);
                read(c.flag(), v);
                if (v.get(ValueLayout.JAVA_INT, 0) != 0 && failure == null) {
                    failure = c.message().get();
                }
            } finally {
                c.flag().close();
            }
        }
        if (failure != null) {
            throw new KernelException(failure);
        }
    }

    /** After the next synchronize(), reads the int at {@code flag}; non-zero fails with the message. */
    void deferCheck(CudaBuffer flag, Supplier<String> message) {
        synchronized (lock) {
            deferred.add(new DeferredCheck(flag, message));
        }
    }

    /** Enqueues kernel {@code kernel} on this device's stream. A grid with a zero dimension launches nothing. */
    void launch(String kernel, int gx, int gy, int gz, int bx, int by, int bz, int smem, Launch args) {
        if (gx <= 0 || gy <= 0 || gz <= 0) {
            return;
        }
        synchronized (lock) {
            bind();
            if (smem > 48 * 1024) {
                module.allowDynamicSmem(kernel, smem);
            }
            int rc = JCudaDriver.cuLaunchKernel(module.function(kernel), gx, gy, gz, bx, by, bz, smem, stream,
                    args.kernelParams(), null);
            if (rc != 0) {
                throw new KernelException("launch of " + kernel + " <<<(" + gx + "," + gy + "," + gz + "), (" + bx + ","
                        + by + "," + bz + "), " + smem + ">>> (" + args + ") on " + name + " failed: " + Cu.name(rc));
            }
        }
    }

    /** A 1-D grid-stride launch over {@code n} items, 256 threads a block. */
    void launch1d(String kernel, long n, Launch args) {
        if (n <= 0) {
            return;
        }
        long blocks = Math.min((n + 255) / 256, (long) info.multiprocessors() * 32);
        launch(kernel, (int) Math.max(1, blocks), 1, 1, 256, 1, 1, 0, args);
    }

    /** The buffer as one of this device's, or a KernelException. */
    CudaBuffer own(DeviceBuffer b, String what) {
        if (b instanceof CudaBuffer c && c.device == this) {
            return c;
        }
        throw new KernelException(name + ": " + what + " got a buffer of another device: " + b);
    }

    /**
     * Median milliseconds of {@code work} (which enqueues on this device), timed with CUDA events on
     * the stream around each of {@code reps} runs after {@code warmup} untimed ones.
     */
    double timeMillis(Runnable work, int warmup, int reps) {
        for (int i = 0; i < warmup; i++) {
            work.run();
        }
        CUevent[] start = new CUevent[reps], end = new CUevent[reps];
        for (int i = 0; i < reps; i++) {
            start[i] = new CUevent();
            end[i] = new CUevent();
            synchronized (lock) {
                bind();
                Cu.check(JCudaDriver.cuEventCreate(start[i], 0), "cuEventCreate");
                Cu.check(JCudaDriver.cuEventCreate(end[i], 0), "cuEventCreate");
            }
        }
        for (int i = 0; i < reps; i++) {
            synchronized (lock) {
                bind();
                Cu.check(JCudaDriver.cuEventRecord(start[i], stream), "cuEventRecord");
            }
            work.run();
            synchronized (lock) {
                bind();
                Cu.check(JCudaDriver.cuEventRecord(end[i], stream), "cuEventRecord");
            }
        }
        synchronize();
        double[] ms = new double[reps];
        float[] t = new float[1];
        synchronized (lock) {
            bind();
            for (int i = 0; i < reps; i++) {
                Cu.check(JCudaDriver.cuEventElapsedTime(t, start[i], end[i]), "cuEventElapsedTime");
                ms[i] = t[0];
                JCudaDriver.cuEventDestroy(start[i]);
                JCudaDriver.cuEventDestroy(end[i]);
            }
        }
        java.util.Arrays.sort(ms);
        return ms[reps / 2];
    }

    @Override
    public AllocatorStats allocatorStats() {
        SizeClassAllocator.Stats s = allocator.stats();
        return new AllocatorStats(s.inUse(), s.highWater());
    }

    /** The allocator's full statistics (cached bytes, reserved high-water mark, reuse counts). */
    public SizeClassAllocator.Stats allocatorDetails() {
        return allocator.stats();
    }

    /** Returns cached device memory to the driver (waits for queued work first). */
    public void trimCache() {
        synchronized (lock) {
            bind();
            Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
            allocator.releaseCache();
        }
    }

    @Override
    public Set<String> capabilities() {
        Set<String> c = new LinkedHashSet<>();
        c.add("sm_" + info.cc());
        c.add("fused-linear-epilogue");
        c.add("fused-svdq-gelu");
        c.add("fused-svdq-lowrank");
        c.add("svdq-gemm:" + SvdqPath.resolve(svdqPath, info.cc()).name().toLowerCase(Locale.ROOT));
        c.add("flash-attention");
        c.add(staging.pinned() ? "pinned-staging" : "pageable-staging");
        return c;
    }

    String describe() {
        return name + ": " + info.describe() + "; kernels " + fatbin.describe() + "; SvdqLinear GEMM "
                + SvdqPath.resolve(svdqPath, info.cc()).describe();
    }

    @Override
    public String toString() {
        return name;
    }
}
