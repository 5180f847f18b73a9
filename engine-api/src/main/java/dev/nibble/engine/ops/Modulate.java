package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/**
 * Adaptive-norm modulation {@code x · (1 + scale) + shift}, with scale and shift per batch and
 * channel. Inputs: x [B, L, D], scale [B, D], shift [B, D].
 */
public record Modulate() implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 3, 3);
        TensorSpec x = in.get(0);
        OpChecks.rank(this, "input", x, 3);
        OpChecks.f32(this, "input", x);
        Shape bd = Shape.of(x.shape().dim(0), x.shape().dim(2));
        OpChecks.shape(this, "scale", in.get(1), bd);
        OpChecks.shape(this, "shift", in.get(2), bd);
        OpChecks.f32(this, "scale", in.get(1));
        OpChecks.f32(this, "shift", in.get(2));
        return List.of(x);
    }
}
