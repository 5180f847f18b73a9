package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.spi.Kernel;

/** Direct NCHW convolution; taps that fall in the (possibly asymmetric) padding read zero. */
final class Conv2dRef {
    private Conv2dRef() {
    }

    static Kernel create(Node node) {
        Conv2d op = (Conv2d) node.op();
        int[] xd = node.inputs().get(0).spec().shape().toArray();
        int[] wd = node.inputs().get(1).spec().shape().toArray();
        int[] yd = node.output().spec().shape().toArray();
        int batch = xd[0], c = xd[1], h = xd[2], w = xd[3];
        int o = wd[0], kh = wd[2], kw = wd[3];
        int oh = yd[2], ow = yd[3];
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] wt = Io.floats(node, ins, 1);
            float[] b = op.hasBias() ? Io.floats(node, ins, 2) : null;
            float[] y = new float[batch * o * oh * ow];
            for (int n = 0; n < batch; n++) {
                for (int oc = 0; oc < o; oc++) {
                    for (int oy = 0; oy < oh; oy++) {
                        for (int ox = 0; ox < ow; ox++) {
                            double s = b == null ? 0 : b[oc];
                            for (int ic = 0; ic < c; ic++) {
                                for (int ky = 0; ky < kh; ky++) {
                                    int iy = oy * op.strideH() - op.padTop() + ky;
                                    if (iy < 0 || iy >= h) {
                                        continue;
                                    }
                                    for (int kx = 0; kx < kw; kx++) {
                                        int ix = ox * op.strideW() - op.padLeft() + kx;
                                        if (ix < 0 || ix >= w) {
                                            continue;
                                        }
                                        s += (double) x[((n * c + ic) * h + iy) * w + ix]
                                                * wt[((oc * c + ic) * kh + ky) * kw + kx];
                                    }
                                }
                            }
                            y[((n * o + oc) * oh + oy) * ow + ox] = (float) s;
                        }
                    }
                }
            }
            Io.store(node, outs, y);
        };
    }
}
