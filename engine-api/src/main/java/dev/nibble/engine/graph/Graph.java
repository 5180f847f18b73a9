package dev.nibble.engine.graph;

import dev.nibble.engine.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A finished graph: inputs fed at run time, constants (weights) bound at build time, nodes in a
 * topological order, and the outputs to return. Immutable.
 */
public record Graph(List<Value> inputs, Map<Value, Tensor> constants, List<Node> nodes, List<Value> outputs) {
    public Graph {
        inputs = List.copyOf(inputs);
        constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
        nodes = List.copyOf(nodes);
        outputs = List.copyOf(outputs);
    }

    /** The input named {@code name}. */
    public Value input(String name) {
        for (Value v : inputs) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException("graph has no input named '" + name + "'; inputs are "
                + inputs.stream().map(Value::name).toList());
    }

    /** Total bytes of the constants, by dtype name. */
    public Map<String, Long> constantBytesByDtype() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Tensor t : constants.values()) {
            out.merge(t.dtype().name(), t.byteSize(), Long::sum);
        }
        return out;
    }

    public long constantBytes() {
        return constants.values().stream().mapToLong(Tensor::byteSize).sum();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("graph(").append(inputs).append(") {\n");
        for (Node n : nodes) {
            sb.append("  ").append(n.outputs()).append(" = ").append(n.op()).append(' ').append(n.inputs()).append('\n');
        }
        return sb.append("  return ").append(outputs).append("\n}").toString();
    }
}
