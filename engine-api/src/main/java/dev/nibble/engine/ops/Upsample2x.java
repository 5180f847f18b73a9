package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Nearest-neighbour 2× upsampling of [B, C, H, W]. */
public record Upsample2x() implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        TensorSpec x = in.get(0);
        OpChecks.rank(this, "input", x, 4);
        OpChecks.f32(this, "input", x);
        Shape s = x.shape();
        return List.of(OpChecks.f32(Shape.of(s.dim(0), s.dim(1), s.dim(2) * 2, s.dim(3) * 2)));
    }
}
