package dev.nibble.backend.cpu.fast;

import dev.nibble.engine.ops.GroupNorm;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.Reduce;
import dev.nibble.engine.ops.ReduceFn;
import dev.nibble.engine.ops.RmsNorm;
import dev.nibble.engine.ops.Softmax;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

class NormKernelsTest {
    private static final int[] DIMS = {1, 7, 63, 64, 65, 127, 3072};

    @Test
    void layerNorm() {
        Random r = new Random(1);
        for (int d : DIMS) {
            Tensor x = FastTestSupport.rand(r, DType.F32, 3, d);
            for (long i = 0; i < x.numel(); i++) {
                x.setFloat(i, x.getFloat(i) * 3 + 10); // an offset mean tests the centring
            }
            Tensor w = FastTestSupport.rand(r, DType.BF16, d), b = FastTestSupport.rand(r, DType.F32, d);
            for (boolean hw : new boolean[] {false, true}) {
                for (boolean hb : new boolean[] {false, true}) {
                    LayerNorm op = new LayerNorm(1e-6f, hw, hb);
                    Tensor y = hw && hb ? FastTestSupport.run(op, x, w, b).get(0)
                            : hw ? FastTestSupport.run(op, x, w).get(0)
                            : hb ? FastTestSupport.run(op, x, b).get(0) : FastTestSupport.run(op, x).get(0);
                    double[] ref = new double[(int) x.numel()];
                    for (int row = 0; row < 3; row++) {
                        double mean = 0, var = 0;
                        for (int j = 0; j < d; j++) {
                            mean += x.getFloat((long) row * d + j);
                        }
                        mean /= d;
                        for (int j = 0; j < d; j++) {
                            double c = x.getFloat((long) row * d + j) - mean;
                            var += c * c;
                        }
                        var /= d;
                        for (int j = 0; j < d; j++) {
                            double v = (x.getFloat((long) row * d + j) - mean) / Math.sqrt(var + 1e-6f);
                            ref[row * d + j] = v * (hw ? w.getFloat(j) : 1) + (hb ? b.getFloat(j) : 0);
                        }
                    }
                    FastTestSupport.assertClose("layernorm " + d + " w=" + hw + " b=" + hb, ref, y, 1e-5, 1e-5);
                }
            }
        }
    }

    @Test
    void rmsNorm() {
        Random r = new Random(2);
        for (int d : DIMS) {
            Tensor x = FastTestSupport.rand(r, DType.F32, 2, 2, d);
            Tensor w = FastTestSupport.rand(r, DType.F32, d);
            Tensor y = FastTestSupport.run(new RmsNorm(1e-6f, true), x, w).get(0);
            double[] ref = new double[(int) x.numel()];
            for (int row = 0; row < 4; row++) {
                double ms = 0;
                for (int j = 0; j < d; j++) {
                    ms += (double) x.getFloat((long) row * d + j) * x.getFloat((long) row * d + j);
                }
                double inv = 1 / Math.sqrt(ms / d + 1e-6f);
                for (int j = 0; j < d; j++) {
                    ref[row * d + j] = x.getFloat((long) row * d + j) * inv * w.getFloat(j);
                }
            }
            FastTestSupport.assertClose("rmsnorm " + d, ref, y, 1e-5, 1e-5);
        }
    }

    @Test
    void groupNorm() {
        Random r = new Random(3);
        int[][] shapes = {{1, 4, 1}, {2, 6, 7, 9}, {1, 32, 16, 16}, {2, 64, 5, 13}, {1, 8, 65}};
        for (int[] s : shapes) {
            for (int groups : new int[] {1, 2, s[1]}) {
                Tensor x = FastTestSupport.rand(r, DType.F32, s);
                Tensor w = FastTestSupport.rand(r, DType.F32, s[1]), b = FastTestSupport.rand(r, DType.F16, s[1]);
                for (boolean affine : new boolean[] {false, true}) {
                    GroupNorm op = new GroupNorm(groups, 1e-5f, affine);
                    Tensor y = affine ? FastTestSupport.run(op, x, w, b).get(0) : FastTestSupport.run(op, x).get(0);
                    int bs = s[0], c = s[1];
                    long spatial = x.numel() / ((long) bs * c);
                    int cpg = c / groups;
                    double[] ref = new double[(int) x.numel()];
                    for (int bi = 0; bi < bs; bi++) {
                        for (int g = 0; g < groups; g++) {
                            long off = ((long) bi * c + (long) g * cpg) * spatial, n = cpg * spatial;
                            double mean = 0, var = 0;
                            for (long i = 0; i < n; i++) {
                                mean += x.getFloat(off + i);
                            }
                            mean /= n;
                            for (long i = 0; i < n; i++) {
                                var += Math.pow(x.getFloat(off + i) - mean, 2);
                            }
                            var /= n;
                            for (long i = 0; i < n; i++) {
                                int ch = g * cpg + (int) (i / spatial);
                                double v = (x.getFloat(off + i) - mean) / Math.sqrt(var + 1e-5f);
                                ref[(int) (off + i)] = affine ? v * w.getFloat(ch) + b.getFloat(ch) : v;
                            }
                        }
                    }
                    FastTestSupport.assertClose("groupnorm " + Shape.of(s) + " g=" + groups, ref, y, 1e-5, 1e-5);
                }
            }
        }
    }

    @Test
    void softmax() {
        Random r = new Random(4);
        for (int d : DIMS) {
            Tensor x = FastTestSupport.rand(r, DType.F32, 3, d);
            for (long i = 0; i < x.numel(); i++) {
                x.setFloat(i, x.getFloat(i) * 8);
            }
            x.setFloat(0, Float.NEGATIVE_INFINITY);
            Tensor y = FastTestSupport.run(new Softmax(), x).get(0);
            double[] ref = new double[(int) x.numel()];
            for (int row = 0; row < 3; row++) {
                double mx = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < d; j++) {
                    mx = Math.max(mx, x.getFloat((long) row * d + j));
                }
                for (int j = 0; j < d; j++) {
                    sum += Math.exp(x.getFloat((long) row * d + j) - mx);
                }
                for (int j = 0; j < d; j++) {
                    ref[row * d + j] = Math.exp(x.getFloat((long) row * d + j) - mx) / sum;
                }
            }
            if (d == 1) {
                ref[0] = Double.NaN; // a row of only −∞
            }
            FastTestSupport.assertClose("softmax " + d, ref, y, 1e-5, 1e-5);
        }
    }

    @Test
    void reduce() {
        Random r = new Random(5);
        int[][] shapes = {{7}, {3, 65}, {4, 33, 5}, {2, 17, 40}, {1, 1}, {5, 3, 2, 18}};
        for (int[] s : shapes) {
            Tensor x = FastTestSupport.rand(r, DType.F32, s);
            for (int axis = -s.length; axis < s.length; axis++) {
                for (ReduceFn fn : ReduceFn.values()) {
                    for (boolean keep : new boolean[] {false, true}) {
                        Tensor y = FastTestSupport.run(new Reduce(fn, axis, keep), x).get(0);
                        int a = x.shape().axis(axis);
                        long outer = x.shape().outer(a), inner = x.shape().inner(a);
                        int n = s[a];
                        double[] ref = new double[(int) (outer * inner)];
                        for (long o = 0; o < outer; o++) {
                            for (long i = 0; i < inner; i++) {
                                double acc = fn == ReduceFn.MAX ? Double.NEGATIVE_INFINITY
                                        : fn == ReduceFn.MIN ? Double.POSITIVE_INFINITY : 0;
                                for (int j = 0; j < n; j++) {
                                    double v = x.getFloat((o * n + j) * inner + i);
                                    acc = switch (fn) {
                                        case SUM, MEAN -> acc + v;
                                        case MAX -> Math.max(acc, v);
                                        case MIN -> Math.min(acc, v);
                                    };
                                }
                                ref[(int) (o * inner + i)] = fn == ReduceFn.MEAN ? acc / n : acc;
                            }
                        }
                        String what = "reduce " + fn + " " + Shape.of(s) + " axis " + axis;
                        if (fn == ReduceFn.MAX || fn == ReduceFn.MIN) {
                            FastTestSupport.assertExact(what, ref, y);
                        } else {
                            FastTestSupport.assertClose(what, ref, y, 1e-6, 1e-6);
                        }
                    }
                }
            }
        }
    }
}
