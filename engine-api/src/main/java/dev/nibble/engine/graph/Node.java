package dev.nibble.engine.graph;

import dev.nibble.engine.ops.Op;

import java.util.List;

/** One op applied to input values, defining output values. {@code name} is the module path it came from. */
public record Node(int id, Op op, List<Value> inputs, List<Value> outputs, String name) {
    public Node {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public Value output() {
        if (outputs.size() != 1) {
            throw new IllegalStateException(this + " has " + outputs.size() + " outputs");
        }
        return outputs.get(0);
    }

    @Override
    public String toString() {
        return op.opName() + "#" + id + (name.isEmpty() ? "" : "[" + name + "]");
    }
}
