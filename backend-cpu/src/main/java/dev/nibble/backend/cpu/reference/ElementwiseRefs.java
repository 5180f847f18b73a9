package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.Clamp;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.spi.Kernel;

/** Unary, Binary (NumPy broadcasting), Affine, Clamp: one value at a time, rounded once to float. */
final class ElementwiseRefs {
    private ElementwiseRefs() {
    }

    static Kernel unary(Node node) {
        Unary op = (Unary) node.op();
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            for (int i = 0; i < x.length; i++) {
                x[i] = Activations.apply(op.fn(), x[i]);
            }
            Io.store(node, outs, x);
        };
    }

    static Kernel binary(Node node) {
        Binary op = (Binary) node.op();
        var out = node.output().spec().shape();
        int[] ia = Broadcast.indexMap(node.inputs().get(0).spec().shape(), out);
        int[] ib = Broadcast.indexMap(node.inputs().get(1).spec().shape(), out);
        return (ins, outs) -> {
            float[] a = Io.floats(node, ins, 0);
            float[] b = Io.floats(node, ins, 1);
            float[] y = new float[ia.length];
            for (int i = 0; i < y.length; i++) {
                float u = a[ia[i]], v = b[ib[i]];
                y[i] = switch (op.fn()) {
                    case ADD -> u + v;
                    case SUB -> u - v;
                    case MUL -> u * v;
                    case DIV -> u / v;
                };
            }
            Io.store(node, outs, y);
        };
    }

    static Kernel affine(Node node) {
        Affine op = (Affine) node.op();
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) ((double) x[i] * op.scale() + op.shift());
            }
            Io.store(node, outs, x);
        };
    }

    static Kernel clamp(Node node) {
        Clamp op = (Clamp) node.op();
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.min(Math.max(x[i], op.min()), op.max()); // NaN stays NaN, as torch.clamp
            }
            Io.store(node, outs, x);
        };
    }
}
