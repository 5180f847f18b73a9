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
import java.util.Set;

/**
 * A Vulkan physical device as the engine sees it. Memory, transfers and shaders arrive with the
 * Vulkan backend issue; until then it runs no node ({@link #supports} says so), graphs fall back
 * to the CPU (or fail under --strict), and memory operations fail with that reason.
 */
final class VulkanDevice implements Device {
    private final VulkanProbe.PhysicalDevice info;
    private final String name;

    VulkanDevice(VulkanProbe.PhysicalDevice info, int index) {
        this.info = info;
        this.name = "vulkan:" + index + " (" + info.name() + ")";
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
        return info.deviceLocalBytes();
    }

    @Override
    public Support supports(Node node) {
        return Support.no("no Vulkan shader for " + node.op().opName() + " yet");
    }

    @Override
    public Kernel compile(Node node) {
        throw new UnsupportedNodeException(name + " cannot run " + node + ": " + supports(node).reason());
    }

    private BackendException notYet(String what) {
        return new BackendException(name + ": " + what + " is not implemented in the Vulkan backend yet");
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        throw notYet("device memory allocation");
    }

    @Override
    public DeviceBuffer upload(Tensor host) {
        throw notYet("upload");
    }

    @Override
    public void write(DeviceBuffer dst, MemorySegment src) {
        throw notYet("host-to-device transfer");
    }

    @Override
    public void read(DeviceBuffer src, MemorySegment dst) {
        throw notYet("device-to-host transfer");
    }

    @Override
    public void synchronize() {
        // nothing is ever enqueued on this device yet
    }

    @Override
    public AllocatorStats allocatorStats() {
        return new AllocatorStats(0, 0);
    }

    @Override
    public Set<String> capabilities() {
        return Set.of("vulkan-" + info.apiVersion());
    }
}
