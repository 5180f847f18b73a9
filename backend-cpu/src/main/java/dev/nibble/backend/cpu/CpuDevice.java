package dev.nibble.backend.cpu;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.AllocatorStats;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.DeviceKind;
import dev.nibble.engine.spi.DeviceOutOfMemoryException;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.spi.UnsupportedNodeException;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The host CPU as a device. Memory is host memory, so weights are used in place (zero copy, even
 * when memory-mapped from a safetensors file) and transfers are plain copies.
 */
public final class CpuDevice implements Device {
    private final String name;
    private final CpuKernelSet kernels;
    private final AtomicLong inUse = new AtomicLong();
    private final AtomicLong highWater = new AtomicLong();

    public CpuDevice(String name, CpuKernelSet kernels) {
        this.name = name;
        this.kernels = kernels;
    }

    public CpuKernelSet kernelSet() {
        return kernels;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backendName() {
        return CpuBackend.NAME;
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.CPU;
    }

    @Override
    public long memoryTotal() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    @Override
    public long memoryFree() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getFreeMemorySize();
        }
        return Runtime.getRuntime().freeMemory();
    }

    @Override
    public Support supports(Node node) {
        CpuKernelFactory f = kernels.factory(node.op().getClass());
        if (f == null) {
            return Support.no("no " + kernels.name() + " CPU kernel for " + node.op().opName());
        }
        return f.supports(node);
    }

    @Override
    public Kernel compile(Node node) {
        Support s = supports(node);
        if (!s.supported()) {
            throw new UnsupportedNodeException(name + " cannot run " + node + ": " + s.reason());
        }
        return kernels.factory(node.op().getClass()).create(node);
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        Arena arena = Arena.ofShared();
        MemorySegment seg;
        try {
            seg = arena.allocate(Math.max(1, bytes), 64);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new DeviceOutOfMemoryException(name, bytes, memoryFree());
        }
        long now = inUse.addAndGet(bytes);
        highWater.accumulateAndGet(now, Math::max);
        return new HostBuffer(seg.asSlice(0, bytes), () -> {
            inUse.addAndGet(-bytes);
            arena.close();
        });
    }

    @Override
    public DeviceBuffer upload(Tensor host) {
        return HostBuffer.view(host.data());
    }

    @Override
    public void write(DeviceBuffer dst, MemorySegment src) {
        MemorySegment.copy(src, 0, HostBuffer.of(dst), 0, src.byteSize());
    }

    @Override
    public void read(DeviceBuffer src, MemorySegment dst) {
        MemorySegment.copy(HostBuffer.of(src), 0, dst, 0, dst.byteSize());
    }

    @Override
    public void synchronize() {
        // kernels run synchronously on the calling thread and the shared pool
    }

    @Override
    public AllocatorStats allocatorStats() {
        return new AllocatorStats(inUse.get(), highWater.get());
    }

    @Override
    public Set<String> capabilities() {
        return Set.of("host-memory", "kernels:" + kernels.name());
    }

    @Override
    public String toString() {
        return name;
    }
}
