package dev.nibble.backend.vulkan;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.AllocatorStats;
import dev.nibble.engine.spi.BackendException;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.DeviceKind;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.spi.UnsupportedNodeException;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A Vulkan compute device. The logical device (queue, memory, pipelines) is created on first use;
 * {@link #supports} answers from the probed features alone. Kernels record into a batch that
 * {@link #synchronize()} submits once (see {@link Gpu}).
 */
public final class VulkanDevice implements Device {
    private final DeviceInfo info;
    private final String name;
    private final boolean validationFails;
    private volatile Gpu gpu;

    VulkanDevice(DeviceInfo info, int index, boolean validationFails) {
        this.info = info;
        this.name = "vulkan:" + index + " (" + info.name() + ")";
        this.validationFails = validationFails;
    }

    DeviceInfo info() {
        return info;
    }

    Gpu gpu() {
        Gpu g = gpu;
        if (g == null) {
            synchronized (this) {
                g = gpu;
                if (g == null) {
                    g = Gpu.create(info, name, validationFails);
                    gpu = g;
                }
            }
        }
        return g;
    }

    /** Submits so far (each {@link #synchronize()} with recorded work, or a read through staging). */
    public long submitCount() {
        return gpu().submits();
    }

    /** Compute dispatches recorded so far. */
    public long dispatchCount() {
        return gpu().dispatches();
    }

    /** Test hook: route all host transfers through the staging buffer (or back to direct mapping). */
    void setStagingOnly(boolean on) {
        gpu().setStagingOnly(on);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backendName() {
        return VulkanBackend.NAME;
    }

    @Override
    public DeviceKind kind() {
        return info.kind();
    }

    @Override
    public long memoryTotal() {
        return info.deviceLocalBytes();
    }

    @Override
    public long memoryFree() {
        Gpu g = gpu;
        return g == null ? info.deviceLocalBytes() : g.free();
    }

    @Override
    public Support supports(Node node) {
        return VkKernels.supports(node, info);
    }

    @Override
    public Kernel compile(Node node) {
        Support s = supports(node);
        if (!s.supported()) {
            throw new UnsupportedNodeException(name + " cannot run " + node + ": " + s.reason());
        }
        return VkKernels.compile(node, gpu());
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation: " + bytes);
        }
        return gpu().allocate(bytes);
    }

    @Override
    public DeviceBuffer upload(Tensor host) {
        GpuBuffer b = gpu().allocate(host.byteSize());
        try {
            gpu().write(b, host.data());
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    @Override
    public void write(DeviceBuffer dst, MemorySegment src) {
        gpu().write(own(dst), src);
    }

    @Override
    public void read(DeviceBuffer src, MemorySegment dst) {
        gpu().read(own(src), dst);
    }

    private GpuBuffer own(DeviceBuffer b) {
        if (b instanceof GpuBuffer g && g.gpu == gpu) {
            return g;
        }
        throw new BackendException(name + " was given a buffer of another device: " + b);
    }

    @Override
    public void synchronize() {
        Gpu g = gpu;
        if (g != null) {
            g.synchronize();
        }
    }

    @Override
    public AllocatorStats allocatorStats() {
        Gpu g = gpu;
        return g == null ? new AllocatorStats(0, 0) : new AllocatorStats(g.inUse(), g.highWater());
    }

    @Override
    public Set<String> capabilities() {
        Set<String> c = new LinkedHashSet<>();
        c.add("vulkan-" + info.apiVersion());
        c.add("fused-svdq-quant-down");
        c.add("fused-svdq-gemm-up-bias-act");
        c.add("flash-attention");
        c.add("batched-submit");
        c.add("buffer-device-address");
        if (info.subgroupArithmetic()) {
            c.add("subgroup-arithmetic-" + info.subgroupSize());
        }
        if (info.float16()) {
            c.add("shader-float16");
        }
        c.add("shared-memory-" + info.maxSharedMemory() / 1024 + "k");
        c.add("kind-" + info.kind().name().toLowerCase(Locale.ROOT));
        return c;
    }

    @Override
    public String toString() {
        return name;
    }
}
