package dev.nibble.engine.graph;

import dev.nibble.engine.tensor.TensorSpec;

/** An SSA value of a graph: defined once (by an input, a constant or a node), read any number of times. */
public record Value(int id, TensorSpec spec, String name) {
    @Override
    public String toString() {
        return "%" + id + (name.isEmpty() ? "" : "(" + name + ")") + ":" + spec;
    }
}
