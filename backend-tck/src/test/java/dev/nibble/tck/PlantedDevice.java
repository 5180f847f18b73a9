package dev.nibble.tck;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.spi.AllocatorStats;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.DeviceKind;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.spi.UnsupportedNodeException;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

/**
 * A test-only device: the CPU reference device with chosen ops swapped for planted (buggy) kernels
 * or declined. It remembers its allocations so that a planted kernel can reach past the slice it was
 * handed ({@link #widen}), as a buggy GPU kernel would.
 */
final class PlantedDevice implements Device {
    private final Device base = CpuBackend.referenceDevice();
    private final Map<Class<? extends Op>, BiFunction<PlantedDevice, Node, Kernel>> planted = new HashMap<>();
    private final Set<Class<? extends Op>> declined = new HashSet<>();
    private final List<MemorySegment> roots = new CopyOnWriteArrayList<>();

    PlantedDevice plant(Class<? extends Op> op, BiFunction<PlantedDevice, Node, Kernel> kernel) {
        planted.put(op, kernel);
        return this;
    }

    PlantedDevice decline(Class<? extends Op> op) {
        declined.add(op);
        return this;
    }

    /** The reference kernel for {@code node}, for planted kernels to build on. */
    Kernel reference(Node node) {
        return base.compile(node);
    }

    /** {@code slice} widened by {@code extra} bytes past its end, through the allocation it came from. */
    MemorySegment widen(DeviceBuffer slice, long extra) {
        MemorySegment s = HostBuffer.of(slice);
        for (MemorySegment root : roots) {
            long off = s.address() - root.address();
            if (root.scope().isAlive() && off >= 0 && off + s.byteSize() <= root.byteSize()) {
                return root.asSlice(off, s.byteSize() + extra);
            }
        }
        throw new IllegalStateException("buffer was not allocated by this device");
    }

    @Override
    public Support supports(Node node) {
        return declined.contains(node.op().getClass()) ? Support.no("declined by the test device") : base.supports(node);
    }

    @Override
    public Kernel compile(Node node) {
        if (!supports(node).supported()) {
            throw new UnsupportedNodeException(node + " declined");
        }
        var p = planted.get(node.op().getClass());
        return p != null ? p.apply(this, node) : base.compile(node);
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        DeviceBuffer b = base.allocate(bytes);
        roots.add(HostBuffer.of(b));
        return b;
    }

    @Override
    public String name() {
        return "planted";
    }

    @Override
    public String backendName() {
        return "test";
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.CPU;
    }

    @Override
    public long memoryTotal() {
        return base.memoryTotal();
    }

    @Override
    public long memoryFree() {
        return base.memoryFree();
    }

    @Override
    public DeviceBuffer upload(Tensor host) {
        return base.upload(host);
    }

    @Override
    public void write(DeviceBuffer dst, MemorySegment src) {
        base.write(dst, src);
    }

    @Override
    public void read(DeviceBuffer src, MemorySegment dst) {
        base.read(src, dst);
    }

    @Override
    public void synchronize() {
        base.synchronize();
    }

    @Override
    public AllocatorStats allocatorStats() {
        return base.allocatorStats();
    }

    @Override
    public Set<String> capabilities() {
        return Set.of();
    }
}
