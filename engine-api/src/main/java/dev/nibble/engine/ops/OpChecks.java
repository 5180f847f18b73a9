package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** The argument checks every op's shape inference shares, with messages that name the op. */
final class OpChecks {
    private OpChecks() {
    }

    static void arity(Op op, List<TensorSpec> in, int min, int max) {
        if (in.size() < min || in.size() > max) {
            throw new ShapeException(op.opName() + " takes " + (min == max ? min : min + ".." + max)
                    + " inputs, got " + in.size() + " " + in);
        }
    }

    static void rank(Op op, String what, TensorSpec s, int rank) {
        if (s.shape().rank() != rank) {
            throw new ShapeException(op.opName() + ": " + what + " must have rank " + rank + ", got " + s);
        }
    }

    static void minRank(Op op, String what, TensorSpec s, int rank) {
        if (s.shape().rank() < rank) {
            throw new ShapeException(op.opName() + ": " + what + " must have rank >= " + rank + ", got " + s);
        }
    }

    static void f32(Op op, String what, TensorSpec s) {
        if (s.dtype() != DType.F32) {
            throw new ShapeException(op.opName() + ": " + what + " must be F32, got " + s);
        }
    }

    static void floating(Op op, String what, TensorSpec s) {
        if (s.dtype() != DType.F32 && s.dtype() != DType.F16 && s.dtype() != DType.BF16) {
            throw new ShapeException(op.opName() + ": " + what + " must be F32, F16 or BF16, got " + s);
        }
    }

    static void dim(Op op, String what, TensorSpec s, int axis, long expected) {
        if (s.shape().dim(axis) != expected) {
            throw new ShapeException(op.opName() + ": " + what + " dimension " + axis + " must be " + expected
                    + ", got " + s);
        }
    }

    static void shape(Op op, String what, TensorSpec s, Shape expected) {
        if (!s.shape().equals(expected)) {
            throw new ShapeException(op.opName() + ": " + what + " must have shape " + expected + ", got " + s);
        }
    }

    static TensorSpec f32(Shape shape) {
        return new TensorSpec(DType.F32, shape);
    }

    /** Shape with the last dimension replaced. */
    static Shape withLast(Shape s, int last) {
        return s.withDim(-1, last);
    }
}
