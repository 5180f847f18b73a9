package dev.nibble.engine.graph;

import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.BinaryFn;
import dev.nibble.engine.ops.Concat;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.Permute;
import dev.nibble.engine.ops.Reshape;
import dev.nibble.engine.ops.ShapeException;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Graph}: declare inputs and constants, apply ops (shape inference runs at once, so a
 * mismatch fails where the model code made it, with the module path in the message), then
 * {@link #build}. A scope stack prefixes node names with the module path ("transformer_blocks.0.attn").
 */
public final class GraphBuilder {
    private final List<Value> inputs = new ArrayList<>();
    private final Map<Value, Tensor> constants = new LinkedHashMap<>();
    private final Map<Tensor, Value> constantValues = new IdentityHashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<String> scope = new ArrayList<>();
    private int nextValue;
    private int nextNode;

    public Value input(String name, TensorSpec spec) {
        for (Value v : inputs) {
            if (v.name().equals(name)) {
                throw new IllegalArgumentException("graph input '" + name + "' declared twice");
            }
        }
        Value v = new Value(nextValue++, spec, name);
        inputs.add(v);
        return v;
    }

    public Value input(String name, DType dtype, int... dims) {
        return input(name, new TensorSpec(dtype, Shape.of(dims)));
    }

    /** A weight or other constant; the same tensor object added twice yields the same value. */
    public Value constant(String name, Tensor tensor) {
        Value existing = constantValues.get(tensor);
        if (existing != null) {
            return existing;
        }
        Value v = new Value(nextValue++, tensor.spec(), name);
        constants.put(v, tensor);
        constantValues.put(tensor, v);
        return v;
    }

    /** Applies {@code op}; returns its outputs. */
    public List<Value> apply(Op op, String name, Value... args) {
        List<TensorSpec> specs = Arrays.stream(args).map(Value::spec).toList();
        String full = qualified(name);
        List<TensorSpec> outSpecs;
        try {
            outSpecs = op.infer(specs);
        } catch (ShapeException e) {
            throw new ShapeException((full.isEmpty() ? "" : full + ": ") + e.getMessage());
        }
        List<Value> outs = new ArrayList<>(outSpecs.size());
        for (TensorSpec s : outSpecs) {
            outs.add(new Value(nextValue++, s, full));
        }
        nodes.add(new Node(nextNode++, op, List.of(args), outs, full));
        return outs;
    }

    /** Applies a single-output op. */
    public Value op(Op op, String name, Value... args) {
        List<Value> outs = apply(op, name, args);
        if (outs.size() != 1) {
            throw new IllegalStateException(op + " has " + outs.size() + " outputs");
        }
        return outs.get(0);
    }

    public Value op(Op op, Value... args) {
        return op(op, "", args);
    }

    /** Enters a module scope; close the returned handle to leave it (try-with-resources). */
    public Scope scope(String module) {
        scope.add(module);
        return () -> scope.remove(scope.size() - 1);
    }

    /** A module scope handle. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    public String qualified(String name) {
        if (scope.isEmpty()) {
            return name;
        }
        String prefix = String.join(".", scope);
        return name.isEmpty() ? prefix : prefix + "." + name;
    }

    // Short forms for the ops model code uses everywhere.

    public Value add(Value a, Value b) {
        return op(new Binary(BinaryFn.ADD), a, b);
    }

    public Value sub(Value a, Value b) {
        return op(new Binary(BinaryFn.SUB), a, b);
    }

    public Value mul(Value a, Value b) {
        return op(new Binary(BinaryFn.MUL), a, b);
    }

    public Value div(Value a, Value b) {
        return op(new Binary(BinaryFn.DIV), a, b);
    }

    public Value unary(UnaryFn fn, Value x) {
        return op(new Unary(fn), x);
    }

    public Value affine(Value x, float scale, float shift) {
        return op(new Affine(scale, shift), x);
    }

    public Value reshape(Value x, int... dims) {
        return op(new Reshape(Shape.of(dims)), x);
    }

    public Value permute(Value x, int... perm) {
        return op(Permute.of(perm), x);
    }

    public Value slice(Value x, int axis, int start, int end) {
        return op(new Slice(axis, start, end), x);
    }

    /** torch.chunk into {@code n} equal parts along {@code axis}. */
    public List<Value> chunk(Value x, int n, int axis) {
        int size = x.spec().shape().dim(axis);
        if (size % n != 0) {
            throw new ShapeException(qualified("") + ": cannot chunk " + x.spec() + " into " + n + " along axis " + axis);
        }
        List<Value> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            parts.add(slice(x, axis, i * size / n, (i + 1) * size / n));
        }
        return parts;
    }

    public Value concat(int axis, Value... parts) {
        return op(new Concat(axis), parts);
    }

    public Value attention(Value q, Value k, Value v, Value maskOrNull, float scale, boolean causal) {
        return maskOrNull == null
                ? op(new Attention(scale, causal, false), q, k, v)
                : op(new Attention(scale, causal, true), q, k, v, maskOrNull);
    }

    public Graph build(Value... outputs) {
        return build(List.of(outputs));
    }

    public Graph build(List<Value> outputs) {
        return new Graph(inputs, constants, nodes, outputs);
    }
}
