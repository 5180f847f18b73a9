package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Elements [start, end) along {@code axis}; chunk and split are slices. */
public record Slice(int axis, int start, int end) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        TensorSpec x = in.get(0);
        int a = x.shape().axis(axis);
        if (start < 0 || end > x.shape().dim(a) || start > end) {
            throw new ShapeException("Slice [" + start + ", " + end + ") out of range for axis " + axis + " of " + x);
        }
        return List.of(new TensorSpec(x.dtype(), x.shape().withDim(a, end - start)));
    }
}
