package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Conversion between F32, F16, BF16, I64 and I32 (floats to integers truncate toward zero). */
public record Cast(DType to) implements Op {
    private static final List<DType> SUPPORTED = List.of(DType.F32, DType.F16, DType.BF16, DType.I64, DType.I32);

    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        if (!SUPPORTED.contains(in.get(0).dtype()) || !SUPPORTED.contains(to)) {
            throw new ShapeException("Cast " + in.get(0).dtype() + " -> " + to + " is not supported");
        }
        return List.of(new TensorSpec(to, in.get(0).shape()));
    }
}
