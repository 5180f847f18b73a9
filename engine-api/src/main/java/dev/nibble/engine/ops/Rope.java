package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/**
 * FLUX rotary embedding on interleaved pairs: for each pair (x[2i], x[2i+1]),
 * {@code out[2i] = x[2i]·cos[2i] − x[2i+1]·sin[2i]}, {@code out[2i+1] = x[2i+1]·cos[2i+1] + x[2i]·sin[2i+1]}.
 * Inputs: x [B, H, L, D], cos [L, D], sin [L, D] (the tables repeat each frequency twice).
 */
public record Rope() implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 3, 3);
        TensorSpec x = in.get(0);
        OpChecks.rank(this, "input", x, 4);
        OpChecks.f32(this, "input", x);
        if (x.shape().last() % 2 != 0) {
            throw new ShapeException("Rope: head dim of " + x + " must be even");
        }
        Shape table = Shape.of(x.shape().dim(2), x.shape().dim(3));
        OpChecks.shape(this, "cos", in.get(1), table);
        OpChecks.shape(this, "sin", in.get(2), table);
        OpChecks.f32(this, "cos", in.get(1));
        OpChecks.f32(this, "sin", in.get(2));
        return List.of(x);
    }
}
