package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** The same elements under another shape with the same element count. */
public record Reshape(Shape shape) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        if (in.get(0).shape().numel() != shape.numel()) {
            throw new ShapeException("Reshape: cannot view " + in.get(0) + " as " + shape);
        }
        return List.of(new TensorSpec(in.get(0).dtype(), shape));
    }
}
