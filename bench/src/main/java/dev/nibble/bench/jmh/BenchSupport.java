package dev.nibble.bench.jmh;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** One-node graphs on the CPU backend's fast device, with random inputs in off-heap memory. */
final class BenchSupport {
    private BenchSupport() {
    }

    static Device cpu() {
        return Backends.discover().selectDevice("cpu");
    }

    static Node node(Op op, TensorSpec... inputs) {
        GraphBuilder g = new GraphBuilder();
        Value[] vs = new Value[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            vs[i] = g.input("in" + i, inputs[i]);
        }
        g.apply(op, "bench", vs);
        return g.build(List.of()).nodes().get(0);
    }

    /** A tensor of uniform values in [−1, 1) in {@code arena}. */
    static Tensor random(Arena arena, long seed, DType t, int... dims) {
        Tensor x = Tensor.allocate(new TensorSpec(t, Shape.of(dims)), arena);
        SplittableRandom r = new SplittableRandom(seed);
        long n = x.numel();
        MemorySegment s = x.data();
        for (long i = 0; i < n; i++) {
            float v = (float) (r.nextDouble() * 2 - 1);
            switch (t) {
                case F32 -> s.setAtIndex(Tensor.F32, i, v);
                default -> x.setFloat(i, v);
            }
        }
        return x;
    }

    static List<DeviceBuffer> buffers(Tensor... ts) {
        List<DeviceBuffer> l = new ArrayList<>();
        for (Tensor t : ts) {
            l.add(HostBuffer.view(t.data()));
        }
        return l;
    }

    /** "4096x3072x3072" → {4096, 3072, 3072}. */
    static int[] dims(String s) {
        String[] p = s.split("x");
        int[] d = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = Integer.parseInt(p[i].trim());
        }
        return d;
    }
}
