package dev.nibble.backend.cpu.reference;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs one op on the reference device over host tensors: the op-math tests' harness. */
final class RefOps {
    private RefOps() {
    }

    static Node node(Op op, Tensor... inputs) {
        List<Value> in = new ArrayList<>();
        for (Tensor t : inputs) {
            in.add(new Value(in.size(), t.spec(), "in" + in.size()));
        }
        TensorSpec out = op.infer(Arrays.stream(inputs).map(Tensor::spec).toList()).get(0);
        return new Node(0, op, in, List.of(new Value(in.size(), out, "out")), "test." + op.opName());
    }

    static Tensor run(Op op, Tensor... inputs) {
        Node node = node(op, inputs);
        Tensor y = Tensor.zeros(node.output().spec().dtype(), node.output().spec().shape());
        List<DeviceBuffer> in = Arrays.stream(inputs).map(t -> (DeviceBuffer) HostBuffer.view(t.data())).toList();
        CpuBackend.referenceDevice().compile(node).run(in, List.of(HostBuffer.view(y.data())));
        return y;
    }

    static float[] runFloats(Op op, Tensor... inputs) {
        return run(op, inputs).toFloatArray();
    }

    static Tensor t(int[] dims, float... v) {
        return Tensor.ofFloats(Shape.of(dims), v);
    }

    static int[] dims(int... d) {
        return d;
    }
}
