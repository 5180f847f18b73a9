package dev.nibble.bench.compare;

import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.NodeTiming;
import dev.nibble.engine.exec.RunResult;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.spi.UnsupportedNodeException;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Operator workloads: one-node graphs (built with {@link GraphBuilder}, weights as constants, activations
 * as inputs) run through the {@link Executor} with strict placement and per-node timing, so a row's
 * latency is the node's own device time (synchronised) and a device that lacks the op or dtype gives an
 * "unsupported" row instead of a CPU fallback. Inputs are seeded uniform random values; linear weights
 * are scaled by 1/√K so outputs stay in the normal float range (denormals would distort the timing).
 */
public final class OpWorkloads {
    /** SVDQ group size and rank used for the svdq-int4 rows (nunchaku's FLUX.1 settings). */
    public static final int SVDQ_GROUP = 64;
    public static final int SVDQ_RANK = 32;

    /** The linear shapes (M, K, N) of FLUX.1 at 1024² measured in the CPU issue. */
    public static final List<int[]> FULL_LINEAR = List.of(new int[] {4096, 3072, 3072}, new int[] {4096, 3072, 12288},
            new int[] {4096, 12288, 3072}, new int[] {256, 3072, 3072}, new int[] {4096, 1280, 5120});
    /** Reduced linear shapes for --quick. */
    public static final List<int[]> QUICK_LINEAR = List.of(new int[] {128, 256, 256}, new int[] {64, 512, 1024});

    private OpWorkloads() {
    }

    /** Which operator families to include. */
    public enum Family {
        LINEAR, ATTENTION, CONV;

        public static Family parse(String s) {
            String v = s.trim().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "linear", "svdq", "gemm" -> LINEAR;
                case "attention", "attn" -> ATTENTION;
                case "conv", "conv2d" -> CONV;
                default -> throw new IllegalArgumentException("unknown op family '" + s
                        + "'; expected linear, attention or conv");
            };
        }
    }

    /**
     * The standard op workloads: the shapes of the CPU issue (or reduced ones when {@code quick}), each
     * shape a group holding one workload per wanted precision that applies (linear: fp32, bf16, svdq-int4;
     * attention: fp32; conv: fp32, bf16).
     */
    public static List<WorkloadGroup> standard(boolean quick, Set<Precision> precisions, Set<Family> families) {
        List<WorkloadGroup> groups = new ArrayList<>();
        if (families.contains(Family.LINEAR)) {
            for (int[] s : quick ? QUICK_LINEAR : FULL_LINEAR) {
                groups.add(linearGroup(s[0], s[1], s[2], precisions));
            }
        }
        if (families.contains(Family.ATTENTION) && precisions.contains(Precision.FP32)) {
            if (quick) {
                groups.add(attentionGroup(1, 1, 128 + 32, 128));
                groups.add(attentionGroup(1, 1, 128, 64));
            } else {
                groups.add(attentionGroup(1, 24, 4096 + 512, 128));
                groups.add(attentionGroup(1, 10, 4096, 64));
            }
        }
        if (families.contains(Family.CONV) && (precisions.contains(Precision.FP32) || precisions.contains(Precision.BF16))) {
            if (quick) {
                groups.add(convGroup(1, 32, 32, 32, 32, 3, precisions));
            } else {
                groups.add(convGroup(1, 320, 128, 128, 320, 3, precisions));
            }
        }
        groups.removeIf(g -> g.workloads().isEmpty());
        return groups;
    }

    /** Linear M×K→N at each wanted precision; the activations are shared by the group's workloads. */
    public static WorkloadGroup linearGroup(int m, int k, int n, Set<Precision> precisions) {
        String name = "linear " + m + "x" + k + "x" + n;
        Shared shared = new Shared();
        Supplier<Tensor> x = shared.lazy(() -> random(new TensorSpec(DType.F32, Shape.of(m, k)), 1, 1f));
        List<Workload> ws = new ArrayList<>();
        for (Precision p : Precision.values()) {
            if (!precisions.contains(p)) {
                continue;
            }
            switch (p) {
                case FP32, BF16 -> ws.add(linear(name, m, k, n, p, x, shared));
                case SVDQ_INT4 -> {
                    ws.add(svdqLinear(name, m, k, n, SVDQ_GROUP, SVDQ_RANK, x, shared));
                    ws.add(svdqLinearUnfused(name + " unfused", m, k, n, SVDQ_GROUP, SVDQ_RANK, x, shared));
                }
                case FP16 -> { } // the op rows use bf16 for 16-bit weights
            }
        }
        return new WorkloadGroup(name, ws, shared::clear);
    }

    /** Scaled dot-product attention over [B, H, L, D] (self-attention, no mask), fp32. */
    public static WorkloadGroup attentionGroup(int b, int h, int l, int d) {
        String name = "attention L=" + l + " D=" + d + " H=" + h;
        Shared shared = new Shared();
        TensorSpec spec = new TensorSpec(DType.F32, Shape.of(b, h, l, d));
        Supplier<Map<String, Tensor>> inputs = shared.lazy(() -> {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("q", random(spec, 11, 1f));
            m.put("k", random(spec, 12, 1f));
            m.put("v", random(spec, 13, 1f));
            return m;
        });
        double flops = 4.0 * b * h * (double) l * l * d;
        Workload w = new OpWorkload(name, Precision.FP32, "B=" + b + " H=" + h + " Lq=Lk=" + l + " D=" + d, flops,
                shared.lazy(() -> {
                    GraphBuilder g = new GraphBuilder();
                    Value q = g.input("q", spec);
                    Value k = g.input("k", spec);
                    Value v = g.input("v", spec);
                    return g.build(g.attention(q, k, v, null, (float) (1 / Math.sqrt(d)), false));
                }), inputs);
        return new WorkloadGroup(name, List.of(w), shared::clear);
    }

    /** A k×k convolution, padding k/2, stride 1, with bias, at fp32 and/or bf16 weights. */
    public static WorkloadGroup convGroup(int b, int c, int h, int w, int o, int k, Set<Precision> precisions) {
        String name = "conv" + k + "x" + k + " " + h + "x" + w + " " + c + "->" + o;
        Shared shared = new Shared();
        TensorSpec xs = new TensorSpec(DType.F32, Shape.of(b, c, h, w));
        Supplier<Map<String, Tensor>> inputs = shared.lazy(() -> Map.of("x", random(xs, 21, 1f)));
        double flops = 2.0 * b * o * h * w * (double) c * k * k;
        List<Workload> ws = new ArrayList<>();
        for (Precision p : List.of(Precision.FP32, Precision.BF16)) {
            if (!precisions.contains(p)) {
                continue;
            }
            DType wt = p == Precision.BF16 ? DType.BF16 : DType.F32;
            ws.add(new OpWorkload(name, p, "B=" + b + " C=" + c + " O=" + o + " " + h + "x" + w + " k=" + k, flops, shared.lazy(() -> {
                GraphBuilder g = new GraphBuilder();
                Value x = g.input("x", xs);
                Value wv = g.constant("weight", random(new TensorSpec(wt, Shape.of(o, c, k, k)), 22,
                        (float) (1 / Math.sqrt((double) c * k * k))));
                Value bias = g.constant("bias", random(new TensorSpec(wt, Shape.of(o)), 23, 0.1f));
                return g.build(g.op(Conv2d.of(1, k / 2, true), "conv", x, wv, bias));
            }), inputs));
        }
        return new WorkloadGroup(name, ws, shared::clear);
    }

    /** Linear with weights [N, K] and bias [N] in fp32 or bf16. */
    static Workload linear(String name, int m, int k, int n, Precision p, Supplier<Tensor> x, Shared shared) {
        DType wt = p == Precision.BF16 ? DType.BF16 : DType.F32;
        return new OpWorkload(name, p, "Linear M=" + m + " K=" + k + " N=" + n + " W " + wt, 2.0 * m * k * n, shared.lazy(() -> {
            GraphBuilder g = new GraphBuilder();
            Value xv = g.input("x", new TensorSpec(DType.F32, Shape.of(m, k)));
            Value w = g.constant("weight", random(new TensorSpec(wt, Shape.of(n, k)), 2, (float) (1 / Math.sqrt(k))));
            Value bias = g.constant("bias", random(new TensorSpec(wt, Shape.of(n)), 3, 0.1f));
            return g.build(g.op(new Linear(true), "linear", xv, w, bias));
        }), () -> Map.of("x", x.get()));
    }

    /**
     * Valid random SvdqLinear tensors in the DESIGN.md §3 layout: qweight I8 [N, Kp/2] (every byte is two
     * valid int4 values), wscales BF16 [Kp/G, N] around 1/(7·√K), smooth_factor BF16 [K] in [0.5, 2),
     * proj_down BF16 [K, r], proj_up BF16 [N, r], bias BF16 [N]. Seeded, so the fused and the unfused
     * workloads of one shape compute the same function.
     */
    record SvdqTensors(SvdqLinear op, int k, int n, int rank, Tensor qweight, Tensor wscales, Tensor smooth,
                       Tensor down, Tensor up, Tensor bias) {
        static SvdqTensors random(int k, int n, int group, int rank) {
            SvdqLinear op = new SvdqLinear(group, true);
            int kp = op.paddedK(k);
            int r = Math.min(rank, Math.min(n, k));
            return new SvdqTensors(op, k, n, r, randomInt4Pairs(n, kp, k, 4),
                    positive(new TensorSpec(DType.BF16, Shape.of(kp / group, n)), 5,
                            (float) (0.5 / (7 * Math.sqrt(k))), (float) (1.5 / (7 * Math.sqrt(k)))),
                    positive(new TensorSpec(DType.BF16, Shape.of(k)), 6, 0.5f, 2f),
                    OpWorkloads.random(new TensorSpec(DType.BF16, Shape.of(k, r)), 7, (float) (1 / Math.sqrt(k))),
                    OpWorkloads.random(new TensorSpec(DType.BF16, Shape.of(n, r)), 8, (float) (1 / Math.sqrt(r))),
                    OpWorkloads.random(new TensorSpec(DType.BF16, Shape.of(n)), 9, 0.1f));
        }
    }

    /** The 4-bit GEMM plus the low-rank branch, 2·M·K·N + 2·M·K·r + 2·M·r·N, fused or not. */
    private static double svdqFlops(int m, int k, int n, int r) {
        return 2.0 * m * k * n + 2.0 * m * k * r + 2.0 * m * r * n;
    }

    /** The fused SvdqLinear (one node) on {@link SvdqTensors}. */
    static Workload svdqLinear(String name, int m, int k, int n, int group, int rank, Supplier<Tensor> x,
                               Shared shared) {
        int r = Math.min(rank, Math.min(n, k));
        return new OpWorkload(name, Precision.SVDQ_INT4, "SvdqLinear M=" + m + " K=" + k + " N=" + n + " G=" + group
                + " r=" + r, svdqFlops(m, k, n, r), shared.lazy(() -> {
            SvdqTensors t = SvdqTensors.random(k, n, group, rank);
            GraphBuilder g = new GraphBuilder();
            Value xv = g.input("x", new TensorSpec(DType.F32, Shape.of(m, k)));
            return g.build(g.op(t.op(), "svdq", xv, g.constant("qweight", t.qweight()), g.constant("wscales", t.wscales()),
                    g.constant("smooth_factor", t.smooth()), g.constant("proj_down", t.down()),
                    g.constant("proj_up", t.up()), g.constant("bias", t.bias())));
        }), () -> Map.of("x", x.get()));
    }

    /**
     * The same SVDQ linear with its low-rank branch outside the 4-bit kernel, as an engine without the fusion
     * runs it: a rank-0 SvdqLinear (smooth, quantise, int4 GEMM, bias) plus x·(1/λ), ·proj_downᵀ, ·proj_upᵀ and
     * an add as separate nodes. Against {@link #svdqLinear} it measures what fusing the branch into the
     * quantisation pass and the GEMM epilogue saves (SVDQuant §4.3). Same tensors, same operation count.
     */
    static Workload svdqLinearUnfused(String name, int m, int k, int n, int group, int rank, Supplier<Tensor> x,
                                      Shared shared) {
        int r = Math.min(rank, Math.min(n, k));
        return new OpWorkload(name, Precision.SVDQ_INT4, "SvdqLinear r=0 + Mul, Linear K->" + r + ", Linear " + r
                + "->N, Add; M=" + m + " K=" + k + " N=" + n + " G=" + group,
                svdqFlops(m, k, n, r), shared.lazy(() -> {
            SvdqTensors t = SvdqTensors.random(k, n, group, rank);
            Tensor inverse = Tensor.zeros(DType.F32, Shape.of(k));
            for (int i = 0; i < k; i++) {
                inverse.setFloat(i, 1 / t.smooth().getFloat(i));
            }
            GraphBuilder g = new GraphBuilder();
            Value xv = g.input("x", new TensorSpec(DType.F32, Shape.of(m, k)));
            Value main = g.op(t.op(), "svdq", xv, g.constant("qweight", t.qweight()), g.constant("wscales", t.wscales()),
                    g.constant("smooth_factor", t.smooth()),
                    g.constant("proj_down_empty", Tensor.zeros(DType.BF16, Shape.of(k, 0))),
                    g.constant("proj_up_empty", Tensor.zeros(DType.BF16, Shape.of(n, 0))), g.constant("bias", t.bias()));
            Value smoothed = g.mul(xv, g.constant("inverse_smooth", inverse));
            Value down = g.op(new Linear(false), "proj_down", smoothed, g.constant("proj_down_t", transpose(t.down())));
            Value branch = g.op(new Linear(false), "proj_up", down, g.constant("proj_up", t.up()));
            return g.build(g.add(main, branch));
        }), () -> Map.of("x", x.get()));
    }

    /** [rows, cols] → [cols, rows], same dtype. */
    private static Tensor transpose(Tensor t) {
        int rows = t.shape().dim(0);
        int cols = t.shape().dim(1);
        Tensor out = Tensor.zeros(t.dtype(), Shape.of(cols, rows));
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out.setFloat((long) j * rows + i, t.getFloat((long) i * cols + j));
            }
        }
        return out;
    }

    /** Seeded uniform values in [−scale, scale). */
    static Tensor random(TensorSpec spec, long seed, float scale) {
        return fill(spec, seed, -scale, scale);
    }

    private static Tensor positive(TensorSpec spec, long seed, float lo, float hi) {
        return fill(spec, seed, lo, hi);
    }

    private static Tensor fill(TensorSpec spec, long seed, float lo, float hi) {
        Tensor t = Tensor.zeros(spec.dtype(), spec.shape());
        SplittableRandom rnd = new SplittableRandom(seed);
        long n = t.numel();
        float span = hi - lo;
        if (spec.dtype() == DType.F32) {
            float[] chunk = new float[(int) Math.min(n, 1 << 16)];
            for (long i = 0; i < n; i += chunk.length) {
                int len = (int) Math.min(chunk.length, n - i);
                for (int j = 0; j < len; j++) {
                    chunk[j] = lo + span * (float) rnd.nextDouble();
                }
                MemorySegment.copy(chunk, 0, t.data(), Tensor.F32, i * 4, len);
            }
        } else {
            for (long i = 0; i < n; i++) {
                t.setFloat(i, lo + span * (float) rnd.nextDouble());
            }
        }
        return t;
    }

    /** qweight [N, Kp/2]: random int4 pairs, zero in the padded columns k ≥ K (DESIGN.md §3). */
    static Tensor randomInt4Pairs(int n, int kp, int k, long seed) {
        Tensor t = Tensor.zeros(DType.I8, Shape.of(n, kp / 2));
        SplittableRandom rnd = new SplittableRandom(seed);
        MemorySegment s = t.data();
        for (int row = 0; row < n; row++) {
            long base = (long) row * (kp / 2);
            for (int j = 0; j < kp / 2; j++) {
                int lo = 2 * j < k ? rnd.nextInt(16) : 0;
                int hi = 2 * j + 1 < k ? rnd.nextInt(16) : 0;
                s.set(ValueLayout.JAVA_BYTE, base + j, (byte) (lo | (hi << 4)));
            }
        }
        return t;
    }

    /** A one-node graph workload. */
    static final class OpWorkload implements Workload {
        private final String name;
        private final Precision precision;
        private final String detail;
        private final double flops;
        private final Supplier<Graph> graph;
        private final Supplier<Map<String, Tensor>> inputs;

        OpWorkload(String name, Precision precision, String detail, double flops, Supplier<Graph> graph,
                   Supplier<Map<String, Tensor>> inputs) {
            this.name = name;
            this.precision = precision;
            this.detail = detail;
            this.flops = flops;
            this.graph = graph;
            this.inputs = inputs;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public WorkloadKind kind() {
            return WorkloadKind.OP;
        }

        @Override
        public Precision precision() {
            return precision;
        }

        @Override
        public String detail() {
            return detail;
        }

        @Override
        public double flops() {
            return flops;
        }

        @Override
        public Prepared prepare(Device device, Device fallback) {
            Graph g = graph.get();
            for (Node node : g.nodes()) {
                Support s;
                try {
                    s = device.supports(node);
                } catch (RuntimeException e) {
                    throw new UnsupportedWorkloadException(node.op().opName() + ": " + e.getMessage(), e);
                }
                if (!s.supported()) {
                    throw new UnsupportedWorkloadException(node.op().opName() + ": " + s.reason());
                }
            }
            Executor ex = new Executor(device, null, ExecutionOptions.DEFAULT.withStrict(true).withTiming(true));
            CompiledGraph cg;
            try {
                cg = ex.compile(g);
            } catch (UnsupportedNodeException e) {
                throw new UnsupportedWorkloadException(e.getMessage(), e);
            }
            Map<String, Tensor> in = inputs.get();
            long weights = g.constantBytes();
            long arena = cg.memoryPlan().totalArenaBytes();
            return new Prepared() {
                @Override
                public Sample run() {
                    RunResult r = cg.run(in);
                    long node = 0;
                    for (NodeTiming t : r.timings()) {
                        node += t.nanos();
                    }
                    return new Sample(r.timings().isEmpty() ? r.nanos() : node, r.nanos());
                }

                @Override
                public long weightBytes() {
                    return weights;
                }

                @Override
                public long activationBytes() {
                    return arena;
                }

                @Override
                public void close() {
                    cg.close();
                }
            };
        }

        @Override
        public String toString() {
            return name + " " + precision;
        }
    }

    /** Lazily created tensors shared by a group's workloads, dropped when the group is released. */
    static final class Shared {
        private final List<Lazy<?>> all = new ArrayList<>();

        <T> Supplier<T> lazy(Supplier<T> factory) {
            Lazy<T> l = new Lazy<>(factory);
            all.add(l);
            return l;
        }

        void clear() {
            all.forEach(Lazy::clear);
        }
    }

    private static final class Lazy<T> implements Supplier<T> {
        private final Supplier<T> factory;
        private T value;

        Lazy(Supplier<T> factory) {
            this.factory = factory;
        }

        @Override
        public synchronized T get() {
            if (value == null) {
                value = factory.get();
            }
            return value;
        }

        synchronized void clear() {
            value = null;
        }
    }
}
