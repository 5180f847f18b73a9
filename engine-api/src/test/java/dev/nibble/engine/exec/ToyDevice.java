package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.BinaryFn;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.AllocatorStats;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.DeviceKind;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.spi.UnsupportedNodeException;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A test device with its own (non-host) buffers and element-wise kernels for same-shape Unary and
 * Binary ops, restricted by a predicate, so placement, copies and fallback can be tested without a
 * real backend.
 */
final class ToyDevice implements Device {
    record ToyBuffer(MemorySegment seg) implements DeviceBuffer {
        @Override
        public long byteSize() {
            return seg.byteSize();
        }

        @Override
        public DeviceBuffer slice(long offset, long bytes) {
            return new ToyBuffer(seg.asSlice(offset, bytes));
        }

        @Override
        public void close() {
        }
    }

    private final String name;
    private final Predicate<Node> runs;
    int reads;
    int writes;

    ToyDevice(String name, Predicate<Node> runs) {
        this.name = name;
        this.runs = runs;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backendName() {
        return "toy";
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.ACCELERATOR;
    }

    @Override
    public long memoryTotal() {
        return 1 << 30;
    }

    @Override
    public long memoryFree() {
        return 1 << 30;
    }

    @Override
    public Support supports(Node node) {
        boolean elementwise = node.op() instanceof Unary || node.op() instanceof Binary;
        return elementwise && runs.test(node) ? Support.YES : Support.no("toy device does not run " + node.op().opName());
    }

    @Override
    public Kernel compile(Node node) {
        if (!supports(node).supported()) {
            throw new UnsupportedNodeException(node.toString());
        }
        return (ins, outs) -> {
            MemorySegment out = ((ToyBuffer) outs.get(0)).seg();
            long n = out.byteSize() / 4;
            for (long i = 0; i < n; i++) {
                float a = ((ToyBuffer) ins.get(0)).seg().getAtIndex(Tensor.F32, i);
                float r = switch (node.op()) {
                    case Unary u when u.fn() == UnaryFn.RELU -> Math.max(0, a);
                    case Unary u when u.fn() == UnaryFn.SIGMOID -> (float) (1 / (1 + Math.exp(-a)));
                    case Unary u when u.fn() == UnaryFn.EXP -> (float) Math.exp(a);
                    case Binary b when b.fn() == BinaryFn.ADD -> a + ((ToyBuffer) ins.get(1)).seg().getAtIndex(Tensor.F32, i);
                    case Binary b when b.fn() == BinaryFn.MUL -> a * ((ToyBuffer) ins.get(1)).seg().getAtIndex(Tensor.F32, i);
                    default -> throw new IllegalStateException("toy kernel for " + node.op());
                };
                out.setAtIndex(Tensor.F32, i, r);
            }
        };
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        return new ToyBuffer(Arena.ofAuto().allocate(bytes, 64));
    }

    @Override
    public DeviceBuffer upload(Tensor host) {
        DeviceBuffer b = allocate(host.byteSize());
        write(b, host.data());
        return b;
    }

    @Override
    public void write(DeviceBuffer dst, MemorySegment src) {
        writes++;
        MemorySegment.copy(src, 0, ((ToyBuffer) dst).seg(), 0, src.byteSize());
    }

    @Override
    public void read(DeviceBuffer src, MemorySegment dst) {
        reads++;
        MemorySegment.copy(((ToyBuffer) src).seg(), 0, dst, 0, dst.byteSize());
    }

    @Override
    public void synchronize() {
    }

    @Override
    public AllocatorStats allocatorStats() {
        return new AllocatorStats(0, 0);
    }

    @Override
    public Set<String> capabilities() {
        return Set.of();
    }

    static List<Node> none() {
        return List.of();
    }
}
