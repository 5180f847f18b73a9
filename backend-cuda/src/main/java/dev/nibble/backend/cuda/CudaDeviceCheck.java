package dev.nibble.backend.cuda;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The GPU-side check of the CUDA backend that device-check.sh runs on a lent GPU machine (no Maven
 * there): SvdqLinear through every GEMM path the device has, against a double-precision evaluation
 * of DESIGN.md §3 written here (rows are independent, so large layers are checked on a subset of
 * rows), then timings with CUDA events: the W4A4 GEMM and the whole SvdqLinear at the FLUX.1 shapes
 * (TOPS = 2·M·N·K / time), the FP32 Linear and the flash attention for comparison.
 *
 * <pre>java -cp ... dev.nibble.backend.cuda.CudaDeviceCheck [--json FILE] [--quick]</pre>
 * Exit status 0 when every correctness check passed, 1 when one failed, 2 without a CUDA device.
 */
public final class CudaDeviceCheck {
    private final CudaDevice d;
    private final boolean quick;
    private final List<Map<String, Object>> checks = new ArrayList<>();
    private final List<Map<String, Object>> timings = new ArrayList<>();
    private boolean allPassed = true;

    private CudaDeviceCheck(CudaDevice d, boolean quick) {
        this.d = d;
        this.quick = quick;
    }

    public static void main(String[] args) throws IOException {
        Path json = null;
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = Path.of(args[++i]);
                case "--quick" -> quick = true;
                default -> {
                    System.err.println("usage: CudaDeviceCheck [--json FILE] [--quick]");
                    System.exit(2);
                }
            }
        }
        CudaBackend backend = new CudaBackend();
        Availability a = backend.probe();
        System.out.println("cuda backend: " + (a.available() ? "available" : "UNAVAILABLE") + ": " + a.reason());
        if (!a.available()) {
            System.exit(2);
        }
        CudaDevice dev = (CudaDevice) backend.devices().get(0);
        CudaDeviceCheck c = new CudaDeviceCheck(dev, quick);
        c.correctness();
        c.benchmarks();
        var stats = dev.allocatorDetails();
        String out = c.json(a.reason(), stats);
        if (json != null) {
            Files.writeString(json, out);
        }
        System.out.println(c.table());
        System.out.printf(Locale.ROOT, "allocator: in use %d B, high-water %d B, reserved high-water %d B, %d backing allocations, %d reuses%n",
                stats.inUse(), stats.highWater(), stats.reservedHighWater(), stats.backingAllocs(), stats.reuses());
        System.out.println(c.allPassed ? "ALL SVDQ CHECKS PASSED" : "SVDQ CHECK FAILURES above");
        System.exit(c.allPassed ? 0 : 1);
    }

    // ---------------------------------------------------------------- a random SVDQ layer

    /** A random valid layer: x [m, k], padded qweight columns zero, positive scales and smoothing. */
    record Layer(int m, int k, int n, int r, int g, boolean bias, UnaryFn act, DType ft, List<Tensor> inputs, SvdqLinear op) {
        int kp() {
            return op.paddedK(k);
        }

        Node node() {
            List<Value> in = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                in.add(new Value(i, inputs.get(i).spec(), "in" + i));
            }
            TensorSpec y = op.infer(inputs.stream().map(Tensor::spec).toList()).getFirst();
            return new Node(0, op, in, List.of(new Value(inputs.size(), y, "y")), "check:svdq");
        }

        String label() {
            return "m" + m + " k" + k + " n" + n + " r" + r + " g" + g + (bias ? " bias" : "") + " " + act + " " + ft;
        }
    }

    static Layer layer(int m, int k, int n, int r, int g, boolean bias, UnaryFn act, DType ft, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        SvdqLinear op = new SvdqLinear(g, bias, act);
        int kp = op.paddedK(k);
        Tensor x = Tensor.zeros(DType.F32, Shape.of(m, k));
        float[] xs = new float[k];
        for (int j = 0; j < k; j++) {
            xs[j] = rnd.nextInt(16) == 0 ? 20f : 1f; // outlier channels
        }
        float[] row = new float[k];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                row[j] = (float) (rnd.nextGaussian() * xs[j]);
            }
            MemorySegment.copy(row, 0, x.data(), ValueLayout.JAVA_FLOAT, (long) i * k * 4, k);
        }
        if (m > 2 && k >= g) {
            for (int j = 0; j < g; j++) {
                x.setFloat((long) k + j, 0f); // an all-zero group in row 1: scale 0
            }
        }
        Tensor qw = Tensor.zeros(DType.I8, Shape.of(n, kp / 2));
        byte[] qb = new byte[kp / 2];
        for (int o = 0; o < n; o++) {
            rnd.nextBytes(qb);
            for (int j = 0; j < kp / 2; j++) {
                if (2 * j >= k) {
                    qb[j] &= (byte) 0xF0;
                }
                if (2 * j + 1 >= k) {
                    qb[j] &= 0x0F;
                }
            }
            MemorySegment.copy(qb, 0, qw.data(), ValueLayout.JAVA_BYTE, (long) o * (kp / 2), kp / 2);
        }
        Tensor ws = floats(ft, Shape.of(kp / g, n), rnd, 0.002, 0.02, false);
        Tensor smooth = Tensor.zeros(ft, Shape.of(k));
        for (int j = 0; j < k; j++) {
            smooth.setFloat(j, (float) Math.exp(rnd.nextDouble(-1, 1)));
        }
        Tensor down = floats(ft, Shape.of(k, r), rnd, 0, 0.05, true);
        Tensor up = floats(ft, Shape.of(n, r), rnd, 0, 0.05, true);
        List<Tensor> in = new ArrayList<>(List.of(x, qw, ws, smooth, down, up));
        if (bias) {
            in.add(floats(ft, Shape.of(n), rnd, 0, 0.5, true));
        }
        return new Layer(m, k, n, r, g, bias, act, ft, in, op);
    }

    private static Tensor floats(DType t, Shape s, SplittableRandom rnd, double a, double b, boolean gaussian) {
        Tensor out = Tensor.zeros(t, s);
        for (long i = 0; i < s.numel(); i++) {
            out.setFloat(i, (float) (gaussian ? a + b * rnd.nextGaussian() : rnd.nextDouble(a, b)));
        }
        return out;
    }

    /** DESIGN.md §3 in double for the given rows: quantisation exactly as specified (float32 steps). */
    static double[][] reference(Layer l, int[] rows) {
        List<Tensor> t = l.inputs();
        int k = l.k, n = l.n, r = l.r, g = l.g, kp = l.kp(), groups = kp / g;
        float[] smooth = t.get(3).toFloatArray();
        float[] down = t.get(4).toFloatArray();
        float[] up = t.get(5).toFloatArray();
        float[] ws = t.get(2).toFloatArray();
        float[] bias = l.bias ? t.get(6).toFloatArray() : null;
        MemorySegment qw = t.get(1).data();
        double[][] y = new double[rows.length][n];
        float[] xh = new float[kp];
        int[] q = new int[kp];
        float[] sx = new float[groups];
        double[] lr = new double[r];
        for (int ri = 0; ri < rows.length; ri++) {
            int m = rows[ri];
            java.util.Arrays.fill(xh, 0f);
            for (int kk = 0; kk < k; kk++) {
                xh[kk] = t.get(0).getFloat((long) m * k + kk) / smooth[kk];
            }
            for (int gi = 0; gi < groups; gi++) {
                float amax = 0f;
                for (int kk = gi * g; kk < (gi + 1) * g; kk++) {
                    amax = Math.max(amax, Math.abs(xh[kk]));
                }
                float s = amax / 7f;
                sx[gi] = s;
                for (int kk = gi * g; kk < (gi + 1) * g; kk++) {
                    q[kk] = s == 0f ? 0 : (int) Math.max(-8f, Math.min(7f, (float) Math.rint(xh[kk] / s)));
                }
            }
            for (int j = 0; j < r; j++) {
                double acc = 0;
                for (int kk = 0; kk < k; kk++) {
                    acc += (double) t.get(0).getFloat((long) m * k + kk) * down[kk * r + j];
                }
                lr[j] = acc;
            }
            for (int o = 0; o < n; o++) {
                double acc = 0;
                for (int j = 0; j < r; j++) {
                    acc += lr[j] * up[o * r + j];
                }
                long rowOff = (long) o * (kp / 2);
                for (int gi = 0; gi < groups; gi++) {
                    int dot = 0;
                    for (int kk = gi * g; kk < (gi + 1) * g; kk += 2) {
                        byte b = qw.get(ValueLayout.JAVA_BYTE, rowOff + kk / 2);
                        dot += q[kk] * ((b << 28) >> 28) + q[kk + 1] * (b >> 4);
                    }
                    acc += (double) sx[gi] * ws[gi * n + o] * dot;
                }
                if (bias != null) {
                    acc += bias[o];
                }
                y[ri][o] = act(l.act, acc);
            }
        }
        return y;
    }

    static double act(UnaryFn fn, double x) {
        return switch (fn) {
            case IDENTITY -> x;
            case SILU -> x / (1 + Math.exp(-x));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case RELU -> x > 0 ? x : 0;
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            default -> throw new IllegalArgumentException("the device check's reference has no " + fn);
        };
    }

    // ---------------------------------------------------------------- correctness

    private List<SvdqPath> paths() {
        List<SvdqPath> p = new ArrayList<>(List.of(SvdqPath.SIMPLE));
        if (d.info().cc() >= 80) {
            p.add(SvdqPath.S4);
            p.add(SvdqPath.S8);
        }
        return p;
    }

    private void correctness() {
        List<Layer> layers = new ArrayList<>(List.of(
                layer(77, 200, 65, 8, 64, true, UnaryFn.SILU, DType.F16, 1),
                layer(300, 640, 384, 32, 64, true, UnaryFn.IDENTITY, DType.BF16, 2),
                layer(129, 256, 257, 16, 128, false, UnaryFn.GELU_TANH, DType.F32, 3),
                layer(9, 100, 33, 4, 32, false, UnaryFn.IDENTITY, DType.F32, 4),
                layer(1, 72, 7, 1, 64, true, UnaryFn.TANH, DType.F32, 5)));
        if (!quick) {
            layers.add(layer(4096, 3072, 3072, 32, 64, true, UnaryFn.IDENTITY, DType.BF16, 6));
        }
        for (Layer l : layers) {
            int[] rows = l.m <= 400 ? java.util.stream.IntStream.range(0, l.m).toArray()
                    : new int[] {0, 1, 2, 127, 128, 1000, l.m - 2, l.m - 1};
            double[][] ref = reference(l, rows);
            Node node = l.node();
            if (!d.supports(node).supported()) {
                fail(l.label(), "all", "device declined: " + d.supports(node).reason());
                continue;
            }
            List<DeviceBuffer> in = new ArrayList<>();
            for (Tensor t : l.inputs()) {
                in.add(d.upload(t));
            }
            try {
                for (SvdqPath p : paths()) {
                    Kernel k = CudaOps.wrap(d, node, SvdqOp.create(d, node, p));
                    SvdqPath used = SvdqOp.pathFor(d, SvdqOp.Dims.of(node), p, ((CudaBuffer) in.get(1)).alignment());
                    Tensor y = Tensor.zeros(DType.F32, Shape.of(l.m, l.n));
                    try (DeviceBuffer out = d.allocate(y.byteSize())) {
                        d.memset((CudaBuffer) out, (byte) 0xFF, y.byteSize()); // NaN poison: unwritten outputs fail
                        k.run(in, List.of(out));
                        d.synchronize();
                        d.read(out, y.data());
                    } catch (RuntimeException e) {
                        fail(l.label(), p.name(), "threw " + e);
                        continue;
                    }
                    compare(l, p, used, rows, ref, y);
                }
            } finally {
                in.forEach(DeviceBuffer::close);
            }
        }
    }

    private void compare(Layer l, SvdqPath asked, SvdqPath used, int[] rows, double[][] ref, Tensor y) {
        double maxRef = 0, maxDiff = 0;
        String worst = "";
        for (int ri = 0; ri < rows.length; ri++) {
            for (int o = 0; o < l.n; o++) {
                double r = ref[ri][o];
                double g = y.getFloat((long) rows[ri] * l.n + o);
                maxRef = Math.max(maxRef, Math.abs(r));
                double diff = Math.abs(g - r);
                if (!(diff <= maxDiff)) {
                    maxDiff = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff;
                    worst = "[" + rows[ri] + "," + o + "] got " + g + " ref " + r;
                }
            }
        }
        double rel = maxDiff / (1 + maxRef);
        boolean ok = rel <= 1e-4;
        allPassed &= ok;
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("check", "SvdqLinear " + l.label());
        c.put("path", asked.name().toLowerCase(Locale.ROOT) + (asked == used ? "" : "->" + used.name().toLowerCase(Locale.ROOT)));
        c.put("rows_checked", rows.length);
        c.put("max_err_rel", rel);
        c.put("passed", ok);
        if (!ok) {
            c.put("worst", worst);
        }
        checks.add(c);
        System.out.printf(Locale.ROOT, "%-4s %-52s %-12s max|d|/(1+max|ref|) = %.2e %s%n", ok ? "ok" : "FAIL", l.label(),
                c.get("path"), rel, ok ? "" : worst);
    }

    private void fail(String what, String path, String why) {
        allPassed = false;
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("check", "SvdqLinear " + what);
        c.put("path", path);
        c.put("passed", false);
        c.put("error", why);
        checks.add(c);
        System.out.println("FAIL " + what + " " + path + ": " + why);
    }

    // ---------------------------------------------------------------- timings

    private void benchmarks() {
        int[][] shapes = quick ? new int[][] {{4096, 3072, 3072}}
                : new int[][] {{4096, 3072, 3072}, {4096, 3072, 12288}, {4096, 12288, 3072}, {4608, 15360, 3072}};
        String[] names = {"attn to_q/k/v/out 3072->3072", "ff up 3072->12288", "ff down 12288->3072",
                "single proj_out 15360->3072"};
        for (int si = 0; si < shapes.length; si++) {
            int m = shapes[si][0], k = shapes[si][1], n = shapes[si][2];
            try {
                benchSvdq(names[si], m, k, n);
            } catch (RuntimeException e) {
                allPassed = false;
                System.out.println("FAIL benchmark " + names[si] + ": " + e);
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("bench", names[si]);
                t.put("error", e.toString());
                timings.add(t);
            }
        }
        try {
            benchLinear(4096, 3072, 3072);
            benchAttention(1, 24, quick ? 1024 : 4608, 128);
        } catch (RuntimeException e) {
            System.out.println("FAIL benchmark: " + e);
        }
    }

    private void benchSvdq(String name, int m, int k, int n) {
        Layer l = layer(m, k, n, 32, 64, true, UnaryFn.IDENTITY, DType.BF16, 77);
        Node node = l.node();
        SvdqOp.Dims dm = SvdqOp.Dims.of(node);
        SvdqOp.Codes codes = SvdqOp.Codes.of(node);
        List<DeviceBuffer> in = new ArrayList<>();
        for (Tensor t : l.inputs()) {
            in.add(d.upload(t));
        }
        List<CudaBuffer> ci = in.stream().map(b -> (CudaBuffer) b).toList();
        double ops = 2.0 * m * n * k;
        try (CudaBuffer y = (CudaBuffer) d.allocate((long) m * n * 4);
             SvdqOp.Scratch s = new SvdqOp.Scratch(d, dm, true)) {
            s.prepare(ci.get(2), ci.get(5), ci.get(6), codes);
            double q = d.timeMillis(() -> s.quantize(ci.get(0), ci.get(3), ci.get(4), codes), 2, 10);
            record(name, "quantize + down-proj", m, k, n, q, Double.NaN, (double) m * k * 4 + (double) m * k / 2);
            for (SvdqPath p : paths()) {
                if (p == SvdqPath.SIMPLE && m * (long) n * k > 4096L * 3072 * 3072) {
                    continue; // the CUDA-core path is for sm_75 and odd shapes; one shape is enough to show it
                }
                double ms = d.timeMillis(() -> s.gemm(ci.get(1), y, p, codes), p == SvdqPath.SIMPLE ? 1 : 3,
                        p == SvdqPath.SIMPLE ? 3 : 20);
                record(name, "w4a4 gemm " + p.name().toLowerCase(Locale.ROOT), m, k, n, ms, ops / (ms * 1e-3) / 1e12, Double.NaN);
            }
            Kernel full = CudaOps.wrap(d, node, SvdqOp.create(d, node, SvdqPath.AUTO));
            List<DeviceBuffer> outs = List.of(y);
            double ms = d.timeMillis(() -> full.run(in, outs), 3, 20);
            record(name, "SvdqLinear (auto: " + SvdqPath.resolve(SvdqPath.AUTO, d.info().cc()).name().toLowerCase(Locale.ROOT)
                    + ")", m, k, n, ms, ops / (ms * 1e-3) / 1e12, Double.NaN);
        } finally {
            in.forEach(DeviceBuffer::close);
        }
    }

    private void benchLinear(int m, int k, int n) {
        Tensor x = floats(DType.F32, Shape.of(m, k), new SplittableRandom(1), 0, 1, true);
        Tensor w = floats(DType.BF16, Shape.of(n, k), new SplittableRandom(2), 0, 0.02, true);
        Linear op = new Linear(false);
        Node node = new Node(0, op, List.of(new Value(0, x.spec(), "x"), new Value(1, w.spec(), "w")),
                List.of(new Value(2, new TensorSpec(DType.F32, Shape.of(m, n)), "y")), "bench:linear");
        Kernel kl = d.compile(node);
        DeviceBuffer bx = d.upload(x), bw = d.upload(w), by = d.allocate((long) m * n * 4);
        try {
            double ms = d.timeMillis(() -> kl.run(List.of(bx, bw), List.of(by)), 2, 10);
            record("FP32 Linear (bf16 weights)", "sgemm", m, k, n, ms, 2.0 * m * n * k / (ms * 1e-3) / 1e12, Double.NaN);
        } finally {
            bx.close();
            bw.close();
            by.close();
        }
    }

    private void benchAttention(int b, int h, int l, int dh) {
        TensorSpec s = new TensorSpec(DType.F32, Shape.of(b, h, l, dh));
        Node node = new Node(0, new Attention((float) (1 / Math.sqrt(dh)), false, false),
                List.of(new Value(0, s, "q"), new Value(1, s, "k"), new Value(2, s, "v")), List.of(new Value(3, s, "o")),
                "bench:attention");
        Kernel ka = d.compile(node);
        Tensor q = floats(DType.F32, s.shape(), new SplittableRandom(3), 0, 1, true);
        DeviceBuffer bq = d.upload(q), bk = d.upload(q), bv = d.upload(q), bo = d.allocate(s.byteSize());
        try {
            double ms = d.timeMillis(() -> ka.run(List.of(bq, bk, bv), List.of(bo)), 1, 5);
            double flops = 4.0 * b * h * (double) l * l * dh;
            record("Attention B" + b + " H" + h + " L" + l + " D" + dh, "flash fp32", l, dh, l, ms, flops / (ms * 1e-3) / 1e12,
                    Double.NaN);
        } finally {
            bq.close();
            bk.close();
            bv.close();
            bo.close();
        }
    }

    private void record(String shape, String what, int m, int k, int n, double ms, double tops, double bytes) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("bench", shape);
        t.put("kernel", what);
        t.put("m", m);
        t.put("k", k);
        t.put("n", n);
        t.put("ms", ms);
        if (!Double.isNaN(tops)) {
            t.put("tops", tops);
        }
        if (!Double.isNaN(bytes)) {
            t.put("gb_per_s", bytes / (ms * 1e-3) / 1e9);
        }
        timings.add(t);
        System.out.printf(Locale.ROOT, "%-32s %-28s M=%-5d K=%-5d N=%-5d %9.3f ms %s%n", shape, what, m, k, n, ms,
                Double.isNaN(tops) ? "" : String.format(Locale.ROOT, "%7.1f TOPS", tops));
    }

    // ---------------------------------------------------------------- output

    private String table() {
        StringBuilder sb = new StringBuilder("\n== timings (median of CUDA-event-timed runs) on ").append(d.name()).append(" ==\n");
        for (Map<String, Object> t : timings) {
            sb.append(String.format(Locale.ROOT, "%-32s %-28s %10s ms %s%n", t.get("bench"), t.getOrDefault("kernel", ""),
                    t.containsKey("ms") ? String.format(Locale.ROOT, "%.3f", (Double) t.get("ms")) : "-",
                    t.containsKey("tops") ? String.format(Locale.ROOT, "%7.1f TOPS", (Double) t.get("tops"))
                            : t.containsKey("error") ? "ERROR " + t.get("error") : ""));
        }
        long failed = checks.stream().filter(c -> !Boolean.TRUE.equals(c.get("passed"))).count();
        sb.append("== SvdqLinear correctness: ").append(checks.size() - failed).append("/").append(checks.size()).append(" passed ==");
        return sb.toString();
    }

    private String json(String availability, SizeClassAllocator.Stats stats) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("device", d.name());
        root.put("describe", d.describe());
        root.put("availability", availability);
        root.put("passed", allPassed);
        root.put("checks", checks);
        root.put("timings", timings);
        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("high_water_bytes", stats.highWater());
        mem.put("reserved_high_water_bytes", stats.reservedHighWater());
        mem.put("backing_allocations", stats.backingAllocs());
        mem.put("reuses", stats.reuses());
        root.put("allocator", mem);
        StringBuilder sb = new StringBuilder();
        write(sb, root);
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (var e : m.entrySet()) {
                sb.append(first ? "" : ",");
                first = false;
                write(sb, e.getKey().toString());
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                write(sb, l.get(i));
            }
            sb.append(']');
        } else if (v instanceof Double x) {
            sb.append(Double.isFinite(x) ? String.format(Locale.ROOT, "%.6g", x) : "null");
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else {
            sb.append('"');
            for (char c : v.toString().toCharArray()) {
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    default -> sb.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
                }
            }
            sb.append('"');
        }
    }
}
