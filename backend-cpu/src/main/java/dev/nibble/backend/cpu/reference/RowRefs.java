package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Reduce;
import dev.nibble.engine.spi.Kernel;

/** Ops over rows or one axis: Softmax, Geglu, Modulate, Reduce. */
final class RowRefs {
    private RowRefs() {
    }

    static Kernel softmax(Node node) {
        var s = node.inputs().get(0).spec().shape();
        int d = s.last();
        int rows = Io.toInt(s.outer(-1));
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            double[] e = new double[d];
            for (int r = 0; r < rows; r++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < d; i++) {
                    max = Math.max(max, x[r * d + i]);
                }
                double sum = 0;
                for (int i = 0; i < d; i++) {
                    e[i] = Math.exp(x[r * d + i] - max);
                    sum += e[i];
                }
                for (int i = 0; i < d; i++) {
                    x[r * d + i] = (float) (e[i] / sum);
                }
            }
            Io.store(node, outs, x);
        };
    }

    /** diffusers GEGLU: first half · gelu(second half). */
    static Kernel geglu(Node node) {
        var s = node.inputs().get(0).spec().shape();
        int n = s.last() / 2;
        int rows = Io.toInt(s.outer(-1));
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] y = new float[rows * n];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < n; j++) {
                    y[r * n + j] = (float) (x[r * 2 * n + j] * Activations.gelu(x[r * 2 * n + n + j]));
                }
            }
            Io.store(node, outs, y);
        };
    }

    /** x[b, l, d] · (1 + scale[b, d]) + shift[b, d]. */
    static Kernel modulate(Node node) {
        int[] s = node.inputs().get(0).spec().shape().toArray();
        int b = s[0], l = s[1], d = s[2];
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] scale = Io.floats(node, ins, 1);
            float[] shift = Io.floats(node, ins, 2);
            for (int n = 0; n < b; n++) {
                for (int i = 0; i < l; i++) {
                    for (int j = 0; j < d; j++) {
                        int at = (n * l + i) * d + j;
                        x[at] = (float) (x[at] * (1.0 + scale[n * d + j]) + shift[n * d + j]);
                    }
                }
            }
            Io.store(node, outs, x);
        };
    }

    static Kernel reduce(Node node) {
        Reduce op = (Reduce) node.op();
        var s = node.inputs().get(0).spec().shape();
        int axis = s.axis(op.axis());
        int outer = Io.toInt(s.outer(axis)), len = s.dim(axis), inner = Io.toInt(s.inner(axis));
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] y = new float[outer * inner];
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    double acc = switch (op.fn()) {
                        case SUM, MEAN -> 0;
                        case MAX -> Double.NEGATIVE_INFINITY;
                        case MIN -> Double.POSITIVE_INFINITY;
                    };
                    for (int k = 0; k < len; k++) {
                        double v = x[(o * len + k) * inner + i];
                        acc = switch (op.fn()) {
                            case SUM, MEAN -> acc + v;
                            case MAX -> Double.isNaN(v) || v > acc ? v : acc; // NaN propagates, as torch.amax
                            case MIN -> Double.isNaN(v) || v < acc ? v : acc;
                        };
                    }
                    y[o * inner + i] = (float) (op.fn() == dev.nibble.engine.ops.ReduceFn.MEAN ? acc / len : acc);
                }
            }
            Io.store(node, outs, y);
        };
    }
}
