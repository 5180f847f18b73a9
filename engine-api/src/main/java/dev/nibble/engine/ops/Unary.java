package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Element-wise {@link UnaryFn} on an F32 tensor. */
public record Unary(UnaryFn fn) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        OpChecks.f32(this, "input", in.get(0));
        return List.of(in.get(0));
    }

    @Override
    public String opName() {
        return "Unary." + fn;
    }
}
