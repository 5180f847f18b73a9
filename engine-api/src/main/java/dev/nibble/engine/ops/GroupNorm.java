package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/**
 * Group normalisation over [B, C, ...]: statistics per (batch, group of C/groups channels).
 * Inputs: x; when affine, weight [C] and bias [C].
 */
public record GroupNorm(int groups, float eps, boolean affine) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, affine ? 3 : 1, affine ? 3 : 1);
        TensorSpec x = in.get(0);
        OpChecks.minRank(this, "input", x, 2);
        OpChecks.f32(this, "input", x);
        int c = x.shape().dim(1);
        if (groups <= 0 || c % groups != 0) {
            throw new ShapeException("GroupNorm: " + c + " channels of " + x + " do not split into " + groups + " groups");
        }
        if (affine) {
            OpChecks.rank(this, "weight", in.get(1), 1);
            OpChecks.dim(this, "weight", in.get(1), 0, c);
            OpChecks.rank(this, "bias", in.get(2), 1);
            OpChecks.dim(this, "bias", in.get(2), 0, c);
        }
        return List.of(x);
    }
}
