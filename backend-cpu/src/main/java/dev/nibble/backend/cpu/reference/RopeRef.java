package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.Kernel;

/** FLUX rotary embedding on interleaved pairs (see {@link dev.nibble.engine.ops.Rope}). */
final class RopeRef {
    private RopeRef() {
    }

    static Kernel create(Node node) {
        int[] s = node.inputs().get(0).spec().shape().toArray();
        int bh = s[0] * s[1], l = s[2], d = s[3];
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] cos = Io.floats(node, ins, 1);
            float[] sin = Io.floats(node, ins, 2);
            float[] y = new float[x.length];
            for (int r = 0; r < bh; r++) {
                for (int p = 0; p < l; p++) {
                    int row = (r * l + p) * d;
                    int t = p * d;
                    for (int i = 0; i < d; i += 2) {
                        double x0 = x[row + i], x1 = x[row + i + 1];
                        y[row + i] = (float) (x0 * cos[t + i] - x1 * sin[t + i]);
                        y[row + i + 1] = (float) (x1 * cos[t + i + 1] + x0 * sin[t + i + 1]);
                    }
                }
            }
            Io.store(node, outs, y);
        };
    }
}
