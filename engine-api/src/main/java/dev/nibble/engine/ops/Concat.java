package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Concatenation of one or more tensors of one dtype along {@code axis} (negative counts from the end). */
public record Concat(int axis) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        if (in.isEmpty()) {
            throw new ShapeException("Concat needs at least one input");
        }
        TensorSpec first = in.get(0);
        int a = first.shape().axis(axis);
        int total = 0;
        for (TensorSpec s : in) {
            if (s.dtype() != first.dtype() || s.shape().rank() != first.shape().rank()) {
                throw new ShapeException("Concat: inputs differ in dtype or rank: " + in);
            }
            for (int i = 0; i < s.shape().rank(); i++) {
                if (i != a && s.shape().dim(i) != first.shape().dim(i)) {
                    throw new ShapeException("Concat along axis " + axis + ": inputs differ off that axis: " + in);
                }
            }
            total += s.shape().dim(a);
        }
        return List.of(new TensorSpec(first.dtype(), first.shape().withDim(a, total)));
    }
}
