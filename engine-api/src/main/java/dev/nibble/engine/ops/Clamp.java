package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Element-wise clamp to [min, max]. */
public record Clamp(float min, float max) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        OpChecks.f32(this, "input", in.get(0));
        return List.of(in.get(0));
    }
}
