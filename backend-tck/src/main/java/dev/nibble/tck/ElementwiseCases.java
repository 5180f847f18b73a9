package dev.nibble.tck;

import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.BinaryFn;
import dev.nibble.engine.ops.Clamp;
import dev.nibble.engine.ops.Geglu;
import dev.nibble.engine.ops.Modulate;
import dev.nibble.engine.ops.Reduce;
import dev.nibble.engine.ops.ReduceFn;
import dev.nibble.engine.ops.Softmax;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.List;

import static dev.nibble.engine.tensor.DType.F32;

/** Unary (every fn, tails included), Binary (broadcasting), Affine, Clamp, Geglu, Softmax, Modulate, Reduce. */
final class ElementwiseCases {
    private ElementwiseCases() {
    }

    static List<TckCase> all() {
        List<TckCase> out = new ArrayList<>();
        out.addAll(unary());
        out.addAll(binary());
        out.add(affine(new int[] {2, 4, 8, 8}, 0.18215f, 0));
        out.add(affine(new int[] {7, 65}, 2, -1));
        out.add(affine(new int[] {1}, -1, 1));
        out.add(affine(new int[] {127, 3}, 1 / 0.13025f, 0.0609f));
        out.add(TckCase.of("x[7,65] [-1,1]", new Clamp(-1, 1), TckInput.normal(f32(7, 65), 0, 3)));
        out.add(TckCase.of("x[2,127,65] [0,6]", new Clamp(0, 6), TckInput.normal(f32(2, 127, 65), 0, 3)));
        out.add(TckCase.of("x[3,3] [-0.5,-0.5]", new Clamp(-0.5f, -0.5f), TckInput.normal(f32(3, 3))));
        for (int[] s : new int[][] {{1, 2}, {7, 130}, {2, 65, 128}, {2, 3, 7, 254}}) {
            out.add(TckCase.of("x" + Names.dims(s), new Geglu(), TckInput.normal(f32(s), 0, 2)));
        }
        for (int[] s : new int[][] {{1, 1}, {3, 1}, {7, 65}, {2, 3, 65, 127}, {4, 1000}}) {
            out.add(TckCase.of("x" + Names.dims(s), new Softmax(), TckInput.normal(f32(s), 0, 3)));
        }
        out.add(TckCase.of("x[7,65] N(0,30)", new Softmax(), TckInput.normal(f32(7, 65), 0, 30)));
        for (int[] s : new int[][] {{1, 1, 1}, {2, 7, 64}, {2, 65, 127}, {3, 127, 65}}) {
            out.add(TckCase.of("x" + Names.dims(s), new Modulate(), TckInput.normal(f32(s)),
                    TckInput.normal(f32(s[0], s[2]), 0, 0.5), TckInput.normal(f32(s[0], s[2]))));
        }
        out.addAll(reduce());
        return out;
    }

    private static List<TckCase> unary() {
        List<TckCase> out = new ArrayList<>();
        for (UnaryFn fn : UnaryFn.values()) {
            double std = fn == UnaryFn.EXP ? 2 : 3;
            for (int[] s : new int[][] {{1}, {7, 65}, {2, 3, 127}}) {
                out.add(TckCase.of("x" + Names.dims(s) + " N(0," + (int) std + ")", new Unary(fn), TckInput.normal(f32(s), 0, std)));
            }
            // the tails: saturation of sigmoid/tanh, the GELU negative tail, large EXP
            out.add(TckCase.of("x[1000] U(-20,20)", new Unary(fn), TckInput.uniform(f32(1000), -20, 20)));
        }
        return out;
    }

    private static List<TckCase> binary() {
        int[][][] shapes = {
            {{7, 65}, {7, 65}}, {{2, 3, 7, 64}, {64}}, {{2, 1, 7, 1}, {3, 1, 64}}, {{1}, {5, 127}},
            {{65, 1}, {1, 65}}, {{2, 3, 1, 1}, {2, 3, 8, 9}}, {{}, {7, 3}}, {{127}, {127}},
        };
        List<TckCase> out = new ArrayList<>();
        for (BinaryFn fn : BinaryFn.values()) {
            for (int[][] p : shapes) {
                TckInput rhs = fn == BinaryFn.DIV ? TckInput.nonZero(f32(p[1])) : TckInput.normal(f32(p[1]));
                out.add(TckCase.of("a" + Names.dims(p[0]) + " b" + Names.dims(p[1]), new Binary(fn),
                        TckInput.normal(f32(p[0])), rhs));
            }
        }
        return out;
    }

    private static TckCase affine(int[] s, float scale, float shift) {
        return TckCase.of("x" + Names.dims(s) + " *" + scale + " +" + shift, new Affine(scale, shift), TckInput.normal(f32(s)));
    }

    private static List<TckCase> reduce() {
        List<TckCase> out = new ArrayList<>();
        Object[][] shapes = {
            {new int[] {7, 65}, 0, false}, {new int[] {7, 65}, -1, true}, {new int[] {2, 3, 64, 65}, 1, true},
            {new int[] {2, 3, 64, 65}, 3, false}, {new int[] {127}, 0, false},
        };
        for (ReduceFn fn : ReduceFn.values()) {
            for (Object[] s : shapes) {
                int[] dims = (int[]) s[0];
                int axis = (int) s[1];
                boolean keep = (boolean) s[2];
                out.add(TckCase.of("x" + Names.dims(dims) + " axis=" + axis + (keep ? " keepdim" : ""),
                        new Reduce(fn, axis, keep), TckInput.normal(f32(dims), 0.3, 1)));
            }
        }
        return out;
    }

    private static TensorSpec f32(int... dims) {
        return TckInput.spec(F32, dims);
    }
}
