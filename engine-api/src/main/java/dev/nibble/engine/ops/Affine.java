package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Element-wise {@code x·scale + shift} with scalar constants (latent scaling, 1 + x, ...). */
public record Affine(float scale, float shift) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        OpChecks.f32(this, "input", in.get(0));
        return List.of(in.get(0));
    }
}
