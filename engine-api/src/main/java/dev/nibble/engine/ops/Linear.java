package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/**
 * {@code y = epilogue(x·wᵀ + b)}. Inputs: x [..., K] F32; w [N, K] F32/F16/BF16 (PyTorch layout);
 * optional bias [N] (any float type). Output [..., N] F32. The epilogue is IDENTITY unless the
 * executor's fuse stage folded a following activation in.
 */
public record Linear(boolean hasBias, UnaryFn epilogue) implements Op {
    public Linear(boolean hasBias) {
        this(hasBias, UnaryFn.IDENTITY);
    }

    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, hasBias ? 3 : 2, hasBias ? 3 : 2);
        TensorSpec x = in.get(0), w = in.get(1);
        OpChecks.minRank(this, "input", x, 1);
        OpChecks.f32(this, "input", x);
        OpChecks.rank(this, "weight", w, 2);
        OpChecks.floating(this, "weight", w);
        if (w.shape().dim(1) != x.shape().last()) {
            throw new ShapeException("Linear: input " + x + " has K=" + x.shape().last()
                    + " but weight " + w + " expects K=" + w.shape().dim(1));
        }
        int n = w.shape().dim(0);
        if (hasBias) {
            OpChecks.rank(this, "bias", in.get(2), 1);
            OpChecks.floating(this, "bias", in.get(2));
            OpChecks.dim(this, "bias", in.get(2), 0, n);
        }
        return List.of(OpChecks.f32(OpChecks.withLast(x.shape(), n)));
    }
}
