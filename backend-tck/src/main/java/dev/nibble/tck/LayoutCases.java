package dev.nibble.tck;

import dev.nibble.engine.ops.Concat;
import dev.nibble.engine.ops.Copy;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.Pad;
import dev.nibble.engine.ops.Permute;
import dev.nibble.engine.ops.Reshape;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.ops.Upsample2x;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.nibble.engine.tensor.DType.BF16;
import static dev.nibble.engine.tensor.DType.F16;
import static dev.nibble.engine.tensor.DType.F32;
import static dev.nibble.engine.tensor.DType.I32;
import static dev.nibble.engine.tensor.DType.I64;
import static dev.nibble.engine.tensor.DType.I8;

/** Data movement, all exact: Copy, Reshape, Concat, Slice, Permute (several dtypes), Upsample2x, Pad. */
final class LayoutCases {
    private LayoutCases() {
    }

    static List<TckCase> all() {
        List<TckCase> out = new ArrayList<>();
        out.add(one(new Copy(), F32, 7, 65));
        out.add(one(new Copy(), F16, 2, 3, 64));
        out.add(one(new Copy(), BF16, 5));
        out.add(one(new Copy(), I64, 3));
        out.add(one(new Copy(), I32, 127));
        out.add(one(new Copy(), I8, 65));
        out.add(one(new Reshape(Shape.of(6, 64)), F32, 2, 3, 64));
        out.add(one(new Reshape(Shape.of(65, 7)), F16, 7, 65));
        out.add(one(new Reshape(Shape.of(6)), I64, 2, 3));
        out.add(concat(-1, F32, new int[] {2, 7, 3}, new int[] {2, 7, 64}, new int[] {2, 7, 1}));
        out.add(concat(0, F32, new int[] {1, 65}, new int[] {3, 65}));
        out.add(concat(1, F16, new int[] {2, 5, 4}, new int[] {2, 6, 4}));
        out.add(concat(2, BF16, new int[] {1, 2, 3, 4}, new int[] {1, 2, 5, 4}));
        out.add(concat(0, I64, new int[] {3}, new int[] {4}));
        out.add(concat(1, F32, new int[] {7, 65}));
        out.add(one(new Slice(1, 0, 64), F32, 7, 65));
        out.add(one(new Slice(1, 1, 65), F32, 7, 65));
        out.add(one(new Slice(2, 64, 127), F32, 2, 3, 127, 8));
        out.add(one(new Slice(0, 2, 9), F32, 9, 5));
        out.add(one(new Slice(-1, 32, 64), F16, 2, 3, 64));
        out.add(one(new Slice(0, 6, 7), I32, 7, 65));
        out.add(one(new Slice(1, 1, 2), I64, 2, 3));
        out.add(one(Permute.of(0, 2, 1, 3), F32, 2, 3, 7, 64));
        out.add(one(Permute.of(1, 0), F32, 7, 65));
        out.add(one(Permute.of(3, 1, 0, 2), F32, 2, 3, 4, 5));
        out.add(one(Permute.of(0, 2, 1, 3), F16, 2, 65, 3, 8));
        out.add(one(Permute.of(1, 0), BF16, 5, 7));
        out.add(one(Permute.of(2, 0, 1), I64, 2, 3, 4));
        out.add(one(Permute.of(0, 1), F32, 3, 4));
        out.add(one(new Upsample2x(), F32, 1, 1, 1, 1));
        out.add(one(new Upsample2x(), F32, 2, 3, 7, 9));
        out.add(one(new Upsample2x(), F32, 1, 4, 32, 33));
        out.add(one(new Pad(List.of(0, 0, 0, 0), List.of(0, 0, 1, 1), 0), F32, 1, 3, 7, 9));
        out.add(one(new Pad(List.of(1, 0), List.of(2, 3), -1.5f), F32, 7, 65));
        out.add(one(new Pad(List.of(3), List.of(0), 2), F32, 5));
        out.add(one(new Pad(List.of(0, 0, 0), List.of(0, 0, 0), 0), F32, 2, 3, 4));
        return out;
    }

    /** A one-input case; its name shows the input and the op's attributes. */
    private static TckCase one(Op op, DType dtype, int... dims) {
        TensorSpec s = TckInput.spec(dtype, dims);
        String name = Names.of("x", s) + " " + attributes(op);
        return TckCase.of(name.trim(), op, dtype, input(s));
    }

    private static TckCase concat(int axis, DType dtype, int[]... parts) {
        TckInput[] in = Arrays.stream(parts).map(p -> input(TckInput.spec(dtype, p))).toArray(TckInput[]::new);
        String name = String.join("+", Arrays.stream(parts).map(Names::dims).toList())
                + (dtype == F32 ? "" : ":" + dtype) + " axis=" + axis;
        return TckCase.of(name, new Concat(axis), dtype, in);
    }

    private static TckInput input(TensorSpec s) {
        return s.dtype().isFloatingPoint() ? TckInput.normal(s) : TckInput.ints(s, -1000, 1000);
    }

    private static String attributes(Op op) {
        return switch (op) {
            case Reshape r -> "to " + r.shape();
            case Slice s -> "axis=" + s.axis() + " [" + s.start() + "," + s.end() + ")";
            case Permute p -> "perm=" + p.perm();
            case Pad p -> "before=" + p.before() + " after=" + p.after() + " value=" + p.value();
            default -> "";
        };
    }
}
