package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.spi.Kernel;

/** y = epilogue(x·wᵀ + b), dot products in double; the epilogue sees the float pre-activation, as unfused. */
final class LinearRef {
    private LinearRef() {
    }

    static Kernel create(Node node) {
        Linear op = (Linear) node.op();
        var xs = node.inputs().get(0).spec().shape();
        int k = xs.last();
        int m = Io.toInt(xs.outer(-1));
        int n = node.inputs().get(1).spec().shape().dim(0);
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] w = Io.floats(node, ins, 1);
            float[] b = op.hasBias() ? Io.floats(node, ins, 2) : null;
            float[] y = new float[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = b == null ? 0 : b[j];
                    for (int t = 0; t < k; t++) {
                        s += (double) x[i * k + t] * w[j * k + t];
                    }
                    y[i * n + j] = Activations.apply(op.epilogue(), (float) s);
                }
            }
            Io.store(node, outs, y);
        };
    }
}
