package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Constant padding: {@code before.get(i)} and {@code after.get(i)} elements added on axis i. */
public record Pad(List<Integer> before, List<Integer> after, float value) implements Op {
    public Pad {
        before = List.copyOf(before);
        after = List.copyOf(after);
    }

    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        TensorSpec x = in.get(0);
        OpChecks.f32(this, "input", x);
        int r = x.shape().rank();
        if (before.size() != r || after.size() != r) {
            throw new ShapeException("Pad " + before + "/" + after + " does not match rank of " + x);
        }
        int[] out = x.shape().toArray();
        for (int i = 0; i < r; i++) {
            if (before.get(i) < 0 || after.get(i) < 0) {
                throw new ShapeException("Pad amounts must be non-negative: " + before + "/" + after);
            }
            out[i] += before.get(i) + after.get(i);
        }
        return List.of(OpChecks.f32(dev.nibble.engine.tensor.Shape.of(out)));
    }
}
