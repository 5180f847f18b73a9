package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Element-wise {@link BinaryFn} of two F32 tensors with NumPy broadcasting. */
public record Binary(BinaryFn fn) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 2, 2);
        OpChecks.f32(this, "lhs", in.get(0));
        OpChecks.f32(this, "rhs", in.get(1));
        return List.of(OpChecks.f32(broadcast(this, in.get(0).shape(), in.get(1).shape())));
    }

    @Override
    public String opName() {
        return "Binary." + fn;
    }

    /** The NumPy broadcast of two shapes. */
    public static Shape broadcast(Op op, Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.rank() ? 1 : a.dim(i - (r - a.rank()));
            int db = i < r - b.rank() ? 1 : b.dim(i - (r - b.rank()));
            if (da != db && da != 1 && db != 1) {
                throw new ShapeException(op.opName() + ": shapes " + a + " and " + b + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return Shape.of(out);
    }
}
