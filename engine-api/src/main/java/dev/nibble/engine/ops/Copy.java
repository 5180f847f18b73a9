package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/**
 * Identity. The executor inserts copies where a value crosses devices (CPU fallback); as an ordinary
 * node it materialises a value.
 */
public record Copy() implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        return List.of(in.get(0));
    }
}
