package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** {@code x · rsqrt(mean(x²) + eps) · weight} over the last axis (T5 and FLUX q/k norms). */
public record RmsNorm(float eps, boolean hasWeight) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, hasWeight ? 2 : 1, hasWeight ? 2 : 1);
        TensorSpec x = in.get(0);
        OpChecks.minRank(this, "input", x, 1);
        OpChecks.f32(this, "input", x);
        if (hasWeight) {
            OpChecks.rank(this, "weight", in.get(1), 1);
            OpChecks.dim(this, "weight", in.get(1), 0, x.shape().last());
        }
        return List.of(x);
    }
}
