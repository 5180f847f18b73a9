package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** diffusers' GEGLU after its projection: x [..., 2N] → first half · gelu(second half), [..., N] (exact erf GELU). */
public record Geglu() implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        TensorSpec x = in.get(0);
        OpChecks.f32(this, "input", x);
        OpChecks.minRank(this, "input", x, 1);
        if (x.shape().last() % 2 != 0) {
            throw new ShapeException("Geglu: last dimension of " + x + " must be even");
        }
        return List.of(OpChecks.f32(OpChecks.withLast(x.shape(), x.shape().last() / 2)));
    }
}
