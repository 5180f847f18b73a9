package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** {@link ReduceFn} along one axis, keeping it as size 1 or dropping it. */
public record Reduce(ReduceFn fn, int axis, boolean keepDim) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        TensorSpec x = in.get(0);
        OpChecks.f32(this, "input", x);
        int a = x.shape().axis(axis);
        if (keepDim) {
            return List.of(OpChecks.f32(x.shape().withDim(a, 1)));
        }
        int[] d = x.shape().toArray();
        int[] out = new int[d.length - 1];
        for (int i = 0, j = 0; i < d.length; i++) {
            if (i != a) {
                out[j++] = d[i];
            }
        }
        return List.of(OpChecks.f32(Shape.of(out)));
    }

    @Override
    public String opName() {
        return "Reduce." + fn;
    }
}
