package dev.nibble.tck;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One conformance case: an op with its attributes, its inputs (specs and generators), the dtype
 * that picks its tolerance row (the weight or target dtype; F32 for activation-only ops), and an
 * optional tolerance that overrides the table.
 *
 * @param name      unique within the op, e.g. "x[7,65] w[64,65] F16 bias"
 * @param tolerance null: use the {@link Tolerances} table
 */
public record TckCase(String name, Op op, List<TckInput> inputs, DType dtype, Tolerance tolerance) {
    public TckCase {
        inputs = List.copyOf(inputs);
    }

    public static TckCase of(String name, Op op, DType dtype, TckInput... inputs) {
        return new TckCase(name, op, List.of(inputs), dtype, null);
    }

    public static TckCase of(String name, Op op, TckInput... inputs) {
        return of(name, op, DType.F32, inputs);
    }

    public TckCase withTolerance(Tolerance t) {
        return new TckCase(name, op, inputs, dtype, t);
    }

    /** The op's report name: "Linear", "Unary.GELU", "Reduce.SUM", ... */
    public String opName() {
        return op.opName();
    }

    /** The op record's class: "Linear", "Unary", "Reduce", ... */
    public String family() {
        return op.getClass().getSimpleName();
    }

    /** "opName/name": unique across the kit. */
    public String id() {
        return opName() + "/" + name;
    }

    public List<TensorSpec> inputSpecs() {
        return inputs.stream().map(TckInput::spec).toList();
    }

    /** The graph node the device compiles: the op applied to fresh values, outputs by shape inference. */
    public Node node() {
        List<Value> in = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            in.add(new Value(i, inputs.get(i).spec(), "in" + i));
        }
        List<Value> out = new ArrayList<>();
        for (TensorSpec s : op.infer(inputSpecs())) {
            out.add(new Value(in.size() + out.size(), s, "out" + out.size()));
        }
        return new Node(0, op, in, out, "tck:" + id());
    }

    /** The inputs for this case under the kit's base seed: the same tensors every run. */
    public List<Tensor> generateInputs(long baseSeed) {
        SplittableRandom rnd = new SplittableRandom(baseSeed ^ fnv1a(id()));
        List<Tensor> out = new ArrayList<>();
        for (TckInput in : inputs) {
            out.add(in.generate(rnd.split()));
        }
        return out;
    }

    /** A stable string hash (String.hashCode is only 32 bits). */
    private static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    @Override
    public String toString() {
        return id();
    }
}
