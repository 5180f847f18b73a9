package dev.nibble.bench.svdq;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Random inputs and one-node nodes for the SVDQ benchmarks (bulk-filled, so large shapes set up fast). */
final class SvdqBenchData {
    private SvdqBenchData() {
    }

    static Node node(Op op, TensorSpec... inputs) {
        List<Value> in = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            in.add(new Value(i, inputs[i], "in" + i));
        }
        TensorSpec out = op.infer(List.of(inputs)).getFirst();
        return new Node(0, op, in, List.of(new Value(inputs.length, out, "y")), "bench");
    }

    /** Uniform floats in [lo, hi) stored as {@code t}. */
    static Tensor floats(Arena arena, long seed, DType t, double lo, double hi, int... dims) {
        Tensor x = Tensor.allocate(new TensorSpec(t, Shape.of(dims)), arena);
        SplittableRandom r = new SplittableRandom(seed);
        int n = Math.toIntExact(x.numel());
        float[] chunk = new float[Math.min(n, 1 << 20)];
        for (int off = 0; off < n; off += chunk.length) {
            int len = Math.min(chunk.length, n - off);
            for (int i = 0; i < len; i++) {
                chunk[i] = (float) (lo + (hi - lo) * r.nextDouble());
            }
            if (t == DType.F32) {
                MemorySegment.copy(chunk, 0, x.data(), Tensor.F32, (long) off * 4, len);
            } else {
                for (int i = 0; i < len; i++) {
                    x.setFloat(off + i, chunk[i]);
                }
            }
        }
        return x;
    }

    /** Random int4 pairs [n, kp/2]. */
    static Tensor qweight(Arena arena, long seed, int n, int kp) {
        Tensor q = Tensor.allocate(new TensorSpec(DType.I8, Shape.of(n, kp / 2)), arena);
        SplittableRandom r = new SplittableRandom(seed);
        long size = q.byteSize();
        long i = 0;
        for (; i + 8 <= size; i += 8) {
            q.data().set(ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong());
        }
        for (; i < size; i++) {
            q.data().set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
        }
        return q;
    }

    static List<DeviceBuffer> buffers(Tensor... ts) {
        List<DeviceBuffer> l = new ArrayList<>();
        for (Tensor t : ts) {
            l.add(HostBuffer.view(t.data()));
        }
        return l;
    }

    static int[] dims(String s) {
        String[] p = s.split("x");
        int[] d = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = Integer.parseInt(p[i].trim());
        }
        return d;
    }
}
