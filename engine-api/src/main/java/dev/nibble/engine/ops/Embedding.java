package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Row gather: inputs table [V, D] (F32/F16/BF16) and ids (I64 or I32, any shape S); output S + [D] F32. */
public record Embedding() implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 2, 2);
        TensorSpec table = in.get(0), ids = in.get(1);
        OpChecks.rank(this, "table", table, 2);
        OpChecks.floating(this, "table", table);
        if (ids.dtype() != DType.I64 && ids.dtype() != DType.I32) {
            throw new ShapeException("Embedding: ids must be I64 or I32, got " + ids);
        }
        int[] s = ids.shape().toArray();
        int[] out = java.util.Arrays.copyOf(s, s.length + 1);
        out[s.length] = table.shape().dim(1);
        return List.of(OpChecks.f32(Shape.of(out)));
    }
}
