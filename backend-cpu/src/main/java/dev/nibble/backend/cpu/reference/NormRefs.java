package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.GroupNorm;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.RmsNorm;
import dev.nibble.engine.spi.Kernel;

/** GroupNorm, LayerNorm, RmsNorm: two-pass statistics in double, biased variance (as PyTorch). */
final class NormRefs {
    private NormRefs() {
    }

    static Kernel groupNorm(Node node) {
        GroupNorm op = (GroupNorm) node.op();
        var s = node.inputs().get(0).spec().shape();
        int batch = s.dim(0), c = s.dim(1);
        int spatial = Io.toInt(s.inner(1));
        int per = c / op.groups();
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] w = op.affine() ? Io.floats(node, ins, 1) : null;
            float[] b = op.affine() ? Io.floats(node, ins, 2) : null;
            float[] y = new float[x.length];
            int len = per * spatial; // one group of one sample is contiguous
            for (int n = 0; n < batch; n++) {
                for (int g = 0; g < op.groups(); g++) {
                    int base = (n * c + g * per) * spatial;
                    double[] ms = meanVar(x, base, len);
                    double inv = 1 / Math.sqrt(ms[1] + op.eps());
                    for (int i = 0; i < len; i++) {
                        int ch = g * per + i / spatial;
                        double v = (x[base + i] - ms[0]) * inv;
                        y[base + i] = (float) (w == null ? v : v * w[ch] + b[ch]);
                    }
                }
            }
            Io.store(node, outs, y);
        };
    }

    static Kernel layerNorm(Node node) {
        LayerNorm op = (LayerNorm) node.op();
        var s = node.inputs().get(0).spec().shape();
        int d = s.last();
        int rows = Io.toInt(s.outer(-1));
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] w = op.hasWeight() ? Io.floats(node, ins, 1) : null;
            float[] b = op.hasBias() ? Io.floats(node, ins, op.hasWeight() ? 2 : 1) : null;
            float[] y = new float[x.length];
            for (int r = 0; r < rows; r++) {
                double[] ms = meanVar(x, r * d, d);
                double inv = 1 / Math.sqrt(ms[1] + op.eps());
                for (int i = 0; i < d; i++) {
                    double v = (x[r * d + i] - ms[0]) * inv;
                    if (w != null) {
                        v *= w[i];
                    }
                    if (b != null) {
                        v += b[i];
                    }
                    y[r * d + i] = (float) v;
                }
            }
            Io.store(node, outs, y);
        };
    }

    static Kernel rmsNorm(Node node) {
        RmsNorm op = (RmsNorm) node.op();
        var s = node.inputs().get(0).spec().shape();
        int d = s.last();
        int rows = Io.toInt(s.outer(-1));
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] w = op.hasWeight() ? Io.floats(node, ins, 1) : null;
            float[] y = new float[x.length];
            for (int r = 0; r < rows; r++) {
                double sq = 0;
                for (int i = 0; i < d; i++) {
                    sq += (double) x[r * d + i] * x[r * d + i];
                }
                double inv = 1 / Math.sqrt(sq / d + op.eps());
                for (int i = 0; i < d; i++) {
                    double v = x[r * d + i] * inv;
                    y[r * d + i] = (float) (w == null ? v : v * w[i]);
                }
            }
            Io.store(node, outs, y);
        };
    }

    /** {mean, biased variance} of x[from, from+len), two passes in double. */
    static double[] meanVar(float[] x, int from, int len) {
        double sum = 0;
        for (int i = 0; i < len; i++) {
            sum += x[from + i];
        }
        double mean = sum / len;
        double var = 0;
        for (int i = 0; i < len; i++) {
            double dv = x[from + i] - mean;
            var += dv * dv;
        }
        return new double[] {mean, var / len};
    }
}
