package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.Shape;

/**
 * softmax(q·kᵀ·scale + mask [+ causal]) · v with the scores of one query row materialised, all in
 * double. A row whose every key is masked to −∞ yields zeros (PyTorch's math path would give NaN).
 */
final class AttentionRef {
    private AttentionRef() {
    }

    static Kernel create(Node node) {
        Attention op = (Attention) node.op();
        int[] q = node.inputs().get(0).spec().shape().toArray();
        int lk = node.inputs().get(1).spec().shape().dim(2);
        int dv = node.inputs().get(2).spec().shape().dim(3);
        int b = q[0], h = q[1], lq = q[2], d = q[3];
        // mask element for every (b, h, i, j), with broadcasting over its size-1 dimensions
        int[] maskMap = op.hasMask()
                ? Broadcast.indexMap(node.inputs().get(3).spec().shape(), Shape.of(b, h, lq, lk)) : null;
        return (ins, outs) -> {
            float[] qv = Io.floats(node, ins, 0);
            float[] kv = Io.floats(node, ins, 1);
            float[] vv = Io.floats(node, ins, 2);
            float[] mask = op.hasMask() ? Io.floats(node, ins, 3) : null;
            float[] y = new float[b * h * lq * dv];
            double[] p = new double[lk];
            for (int bh = 0; bh < b * h; bh++) {
                for (int i = 0; i < lq; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) {
                        double s = Double.NEGATIVE_INFINITY;
                        if (!op.causal() || j <= i) {
                            double dot = 0;
                            for (int t = 0; t < d; t++) {
                                dot += (double) qv[(bh * lq + i) * d + t] * kv[(bh * lk + j) * d + t];
                            }
                            s = dot * op.scale();
                            if (mask != null) {
                                s += mask[maskMap[(bh * lq + i) * lk + j]];
                            }
                        }
                        p[j] = s;
                        max = Math.max(max, s);
                    }
                    if (max == Double.NEGATIVE_INFINITY) {
                        continue; // fully masked row: zeros
                    }
                    double sum = 0;
                    for (int j = 0; j < lk; j++) {
                        p[j] = Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    for (int e = 0; e < dv; e++) {
                        double acc = 0;
                        for (int j = 0; j < lk; j++) {
                            acc += p[j] * vv[(bh * lk + j) * dv + e];
                        }
                        y[(bh * lq + i) * dv + e] = (float) (acc / sum);
                    }
                }
            }
            Io.store(node, outs, y);
        };
    }
}
