package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Numerically stable softmax over the last axis. */
public record Softmax() implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        OpChecks.f32(this, "input", in.get(0));
        OpChecks.minRank(this, "input", in.get(0), 1);
        return List.of(in.get(0));
    }
}
