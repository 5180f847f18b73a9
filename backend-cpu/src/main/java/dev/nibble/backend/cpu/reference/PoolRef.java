package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Pool2d;
import dev.nibble.engine.ops.PoolFn;
import dev.nibble.engine.spi.Kernel;

/** Pool2d: every window visited element by element, averages summed in double. */
final class PoolRef {
    private PoolRef() {
    }

    static Kernel create(Node node) {
        Pool2d op = (Pool2d) node.op();
        int[] s = node.inputs().get(0).spec().shape().toArray();
        int[] o = node.output().spec().shape().toArray();
        int planes = s[0] * s[1], h = s[2], w = s[3], oh = o[2], ow = o[3];
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] y = new float[planes * oh * ow];
            for (int p = 0; p < planes; p++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int y0 = oy * op.strideH() - op.padH(), x0 = ox * op.strideW() - op.padW();
                        double acc = op.fn() == PoolFn.MAX ? Double.NEGATIVE_INFINITY : 0;
                        int covered = 0;
                        for (int ky = 0; ky < op.kernelH(); ky++) {
                            for (int kx = 0; kx < op.kernelW(); kx++) {
                                int iy = y0 + ky, ix = x0 + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                                    continue;
                                }
                                float v = x[(p * h + iy) * w + ix];
                                acc = op.fn() == PoolFn.MAX ? Math.max(acc, v) : acc + v;
                                covered++;
                            }
                        }
                        if (op.fn() == PoolFn.AVG) {
                            acc /= op.countIncludePad() ? op.kernelH() * op.kernelW() : covered;
                        }
                        y[(p * oh + oy) * ow + ox] = (float) acc;
                    }
                }
            }
            Io.store(node, outs, y);
        };
    }
}
