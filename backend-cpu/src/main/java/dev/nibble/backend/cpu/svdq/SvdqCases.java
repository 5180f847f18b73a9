package dev.nibble.backend.cpu.svdq;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * SvdqLinear cases for the conformance kit and unit tests: valid random layers (padded qweight columns
 * zero, positive scales and smoothing factors, a few outlier input channels) at awkward sizes — K not a
 * multiple of the group (72, 200), M in {1, 7, 65}, N in {7, 64, 65}, rank in {1, 8, 32}, with and
 * without bias, every epilogue, F32/F16/BF16 float tensors, rank-3 inputs.
 */
public final class SvdqCases {
    private SvdqCases() {
    }

    /** One case: the op, its input tensors in SvdqLinear's order, and a node wired to them. */
    public record Case(String name, SvdqLinear op, List<Tensor> inputs) {
        public TensorSpec output() {
            return op.infer(inputs.stream().map(Tensor::spec).toList()).getFirst();
        }

        /** A one-node graph node over fresh values for these inputs. */
        public Node node() {
            List<Value> in = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                in.add(new Value(i, inputs.get(i).spec(), INPUT_NAMES[i]));
            }
            Value out = new Value(inputs.size(), output(), "y");
            return new Node(0, op, in, List.of(out), name);
        }

        /** Compiles with {@code kernel} and runs on host buffers; returns the output. */
        public Tensor run(Kernel kernel) {
            Tensor y = Tensor.zeros(DType.F32, output().shape());
            List<DeviceBuffer> in = inputs.stream().map(t -> (DeviceBuffer) HostBuffer.view(t.data())).toList();
            kernel.run(in, List.of(HostBuffer.view(y.data())));
            return y;
        }

        /** The same case with x viewed as [b, t, K] (b·t = M). */
        public Case withBatch(int b, int t) {
            Tensor x = inputs.getFirst();
            int k = x.shape().last();
            if ((long) b * t != x.shape().dim(0)) {
                throw new IllegalArgumentException("batch " + b + "x" + t + " does not cover " + x.shape());
            }
            List<Tensor> in = new ArrayList<>(inputs);
            in.set(0, x.reshape(Shape.of(b, t, k)));
            return new Case(name + " [" + b + "," + t + ",K]", op, in);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final String[] INPUT_NAMES = {"x", "qweight", "wscales", "smooth_factor", "proj_down", "proj_up", "bias"};

    /** The kit's list: awkward sizes × bias × epilogues × float dtypes, deterministic for a seed. */
    public static List<Case> all(long seed) {
        List<Case> out = new ArrayList<>();
        int[][] mkn = {{1, 72, 7}, {7, 72, 64}, {65, 72, 65}, {7, 200, 65}, {65, 128, 64}, {1, 64, 7}, {7, 24, 7}};
        int[] ranks = {1, 8, 32};
        UnaryFn[] fns = UnaryFn.values();
        int i = 0;
        for (int[] s : mkn) {
            for (int r : ranks) {
                boolean bias = (i % 2) == 0;
                UnaryFn fn = fns[i % fns.length];
                DType ft = i % 5 == 3 ? DType.BF16 : i % 5 == 4 ? DType.F16 : DType.F32;
                out.add(random(s[0], s[1], s[2], Math.min(r, Math.min(s[1], s[2])), 64, bias, fn, ft, seed + i));
                i++;
            }
        }
        // every epilogue at least once on the middle size, group 32, and a rank-3 input
        for (UnaryFn fn : fns) {
            out.add(random(7, 72, 65, 8, 64, true, fn, DType.F32, seed + 100 + fn.ordinal()));
        }
        out.add(random(9, 100, 33, 4, 32, false, UnaryFn.IDENTITY, DType.F32, seed + 200));
        out.add(random(65, 72, 65, 32, 64, true, UnaryFn.GELU, DType.F32, seed + 201).withBatch(5, 13));
        return out;
    }

    /** A random valid layer with input x [m, k]. */
    public static Case random(int m, int k, int n, int r, int g, boolean bias, UnaryFn fn, DType floatType, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        SvdqLinear op = new SvdqLinear(g, bias, fn);
        int kp = op.paddedK(k);
        float[] smooth = new float[k];
        for (int j = 0; j < k; j++) {
            smooth[j] = (float) Math.exp(rnd.nextDouble(-1, 1));
        }
        Tensor x = Tensor.zeros(DType.F32, Shape.of(m, k));
        boolean[] outlier = new boolean[k];
        for (int j = 0; j < k; j += 1 + rnd.nextInt(20)) {
            outlier[j] = true;
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                double v = rnd.nextGaussian() * (outlier[j] ? 20 : 1);
                x.setFloat((long) i * k + j, (float) v);
            }
        }
        if (m > 2) {
            for (int j = 0; j < Math.min(k, 6); j++) {
                x.setFloat(j, 0f); // a row whose first values are exact zeros
            }
            if (k >= 64 && g == 64) {
                for (int j = 0; j < 64; j++) {
                    x.setFloat(k + j, 0f); // an all-zero group: scale 0
                }
            }
        }
        Tensor qweight = Tensor.zeros(DType.I8, Shape.of(n, kp / 2));
        for (int o = 0; o < n; o++) {
            for (int j = 0; j < kp / 2; j++) {
                int lo = 2 * j < k ? rnd.nextInt(16) - 8 : 0;
                int hi = 2 * j + 1 < k ? rnd.nextInt(16) - 8 : 0;
                qweight.data().set(java.lang.foreign.ValueLayout.JAVA_BYTE, (long) o * (kp / 2) + j, SvdqMath.pack(lo, hi));
            }
        }
        Tensor wscales = floats(floatType, Shape.of(kp / g, n), rnd, 0.002, 0.02, false);
        Tensor sm = Tensor.zeros(floatType, Shape.of(k));
        for (int j = 0; j < k; j++) {
            sm.setFloat(j, smooth[j]);
        }
        Tensor down = floats(floatType, Shape.of(k, r), rnd, -0.2, 0.2, true);
        Tensor up = floats(floatType, Shape.of(n, r), rnd, -0.2, 0.2, true);
        List<Tensor> in = new ArrayList<>(List.of(x, qweight, wscales, sm, down, up));
        if (bias) {
            in.add(floats(floatType, Shape.of(n), rnd, -1, 1, true));
        }
        String name = "svdq m" + m + " k" + k + " n" + n + " r" + r + " g" + g + (bias ? " bias" : "") + " " + fn
                + " " + floatType;
        return new Case(name, op, in);
    }

    private static Tensor floats(DType dt, Shape s, SplittableRandom rnd, double lo, double hi, boolean gaussian) {
        Tensor t = Tensor.zeros(dt, s);
        for (long i = 0; i < s.numel(); i++) {
            double v = gaussian ? rnd.nextGaussian() * (hi - lo) / 4 : rnd.nextDouble(lo, hi);
            t.setFloat(i, (float) v);
        }
        return t;
    }

    /** Relative tolerance a backend's output should meet against the reference: max|Δ| ≤ tol·(1 + max|y|). */
    public static double tolerance() {
        return 1e-4;
    }

}
