package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Layer normalisation over the last axis. Inputs: x, then weight [D] if hasWeight, then bias [D] if hasBias. */
public record LayerNorm(float eps, boolean hasWeight, boolean hasBias) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        int n = 1 + (hasWeight ? 1 : 0) + (hasBias ? 1 : 0);
        OpChecks.arity(this, in, n, n);
        TensorSpec x = in.get(0);
        OpChecks.minRank(this, "input", x, 1);
        OpChecks.f32(this, "input", x);
        for (int i = 1; i < n; i++) {
            OpChecks.rank(this, i == 1 && hasWeight ? "weight" : "bias", in.get(i), 1);
            OpChecks.dim(this, i == 1 && hasWeight ? "weight" : "bias", in.get(i), 0, x.shape().last());
        }
        return List.of(x);
    }
}
