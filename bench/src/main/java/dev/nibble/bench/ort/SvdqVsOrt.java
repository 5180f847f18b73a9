package dev.nibble.bench.ort;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.backend.cpu.svdq.SvdqKernels;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Same-run comparison of Nibble's fused SvdqLinear (rank 32, group 64), Nibble's F32 Linear and ONNX
 * Runtime's MatMulNBits (4-bit, block 64, accuracy_level 4 = int8 activations), interleaved per rep
 * (rotating order) on the same activations; median of the reps, GOP/s = 2·M·K·N / t.
 * Before timing, ORT's output is checked against a dequantised reference matmul on a few rows.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *      -cp bench/target/benchmarks.jar dev.nibble.bench.ort.SvdqVsOrt \
 *      [--reps 5] [--m 4096] [--threads 2] [--acc 4] [--check-rows 8] [MxKxN ...]
 * </pre>
 * {@code --m} overrides M of every shape (quick runs).
 */
public final class SvdqVsOrt {
    private SvdqVsOrt() {
    }

    private interface Run {
        void run() throws Exception;
    }

    private record Case(String name, Run body, double[] ms) {
    }

    public static void main(String[] args) throws Exception {
        int reps = 5, mOverride = 0, threads = 2, acc = 4, checkRows = 8;
        List<String> shapes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--m" -> mOverride = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--acc" -> acc = Integer.parseInt(args[++i]);
                case "--check-rows" -> checkRows = Integer.parseInt(args[++i]);
                default -> shapes.add(args[i]);
            }
        }
        if (shapes.isEmpty()) {
            shapes = List.of("4096x3072x3072", "4096x3072x12288", "4096x12288x3072", "256x3072x3072");
        }
        System.out.printf(Locale.ROOT, "reps %d (median), ORT intra-op threads %d, MatMulNBits accuracy_level %d%n",
                reps, threads, acc);
        List<String> table = new ArrayList<>();
        for (String mkn : shapes) {
            String[] p = mkn.split("x");
            int m = mOverride > 0 ? mOverride : Integer.parseInt(p[0]);
            int k = Integer.parseInt(p[1]), n = Integer.parseInt(p[2]);
            String label = m + "x" + k + "x" + n;
            try (Arena arena = Arena.ofShared()) {
                Tensor x = floats(arena, 1, -1, 1, m, k);
                Tensor bias = floats(arena, 7, -1, 1, n);
                List<Case> cases = new ArrayList<>();

                // Nibble fused SVDQ W4A4, rank 32, group 64
                SvdqLinear op = new SvdqLinear(64, true);
                int kp = op.paddedK(k);
                int r = 32;
                Tensor q = qweight(arena, 2, n, kp);
                Tensor ws = floats(arena, 3, 0.001, 0.01, kp / 64, n);
                Tensor smooth = floats(arena, 4, 0.5, 2, k);
                Tensor down = floats(arena, 5, -0.1, 0.1, k, r);
                Tensor up = floats(arena, 6, -0.1, 0.1, n, r);
                Kernel svdq = SvdqKernels.fast().get(SvdqLinear.class).create(
                        node(op, x.spec(), q.spec(), ws.spec(), smooth.spec(), down.spec(), up.spec(), bias.spec()));
                List<DeviceBuffer> svdqIn = buffers(x, q, ws, smooth, down, up, bias);
                List<DeviceBuffer> svdqOut = buffers(Tensor.allocate(TensorSpec.f32(m, n), arena));
                cases.add(new Case("svdq_r32", () -> svdq.run(svdqIn, svdqOut), new double[reps]));

                // Nibble F32 Linear
                Tensor w = floats(arena, 2, -1, 1, n, k);
                Kernel f32 = CpuBackend.fastDevice().compile(node(new Linear(true), x.spec(), w.spec(), bias.spec()));
                List<DeviceBuffer> f32In = buffers(x, w, bias);
                List<DeviceBuffer> f32Out = buffers(Tensor.allocate(TensorSpec.f32(m, n), arena));
                cases.add(new Case("f32", () -> f32.run(f32In, f32Out), new double[reps]));

                // ORT MatMulNBits on the same activations (the direct buffer is used in place)
                FloatBuffer aBuf = x.data().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
                OrtMatMulNBits ort = new OrtMatMulNBits(aBuf, m, k, n, 9, acc, threads);
                cases.add(new Case("ort_nbits", ort::run, new double[reps]));

                for (Case c : cases) {
                    for (int i = 0; i < 2; i++) {
                        c.body.run(); // pack / prepack + warm up
                    }
                }
                check(ort, aBuf, Math.min(checkRows, m), label);

                for (int rep = 0; rep < reps; rep++) {
                    for (int j = 0; j < cases.size(); j++) {
                        Case c = cases.get((j + rep) % cases.size());
                        long t0 = System.nanoTime();
                        c.body.run();
                        c.ms[rep] = (System.nanoTime() - t0) / 1e6;
                    }
                }
                ort.close();

                double ops = 2.0 * m * k * n;
                double[] med = new double[cases.size()];
                for (int j = 0; j < cases.size(); j++) {
                    Case c = cases.get(j);
                    double[] s = c.ms.clone();
                    Arrays.sort(s);
                    med[j] = s[s.length / 2];
                    System.out.printf(Locale.ROOT, "%-16s %-9s min %9.1f ms  median %9.1f ms (%6.0f GOP/s)  all %s%n",
                            label, c.name, s[0], med[j], ops / med[j] / 1e6, fmt(c.ms));
                }
                table.add(String.format(Locale.ROOT, "| %-16s | %8.0f | %5.0f | %9.0f | %8.2f | %8.2f |", label,
                        ops / med[0] / 1e6, ops / med[1] / 1e6, ops / med[2] / 1e6, med[1] / med[0], med[2] / med[0]));
            }
        }
        System.out.println();
        System.out.println("GOP/s from median times; ratios are speed ratios (>1: SVDQ faster)");
        System.out.println("| M x K x N        | svdq_r32 | f32   | ort_nbits | SVDQ/F32 | SVDQ/ORT |");
        System.out.println("|------------------|---------:|------:|----------:|---------:|---------:|");
        table.forEach(System.out::println);
    }

    /** ORT output vs a double-precision matmul with ORT's own dequantised weight, on the first rows. */
    private static void check(OrtMatMulNBits ort, FloatBuffer a, int rows, String label) {
        int k = ort.k, n = ort.n;
        FloatBuffer y = ort.output();
        float[] wrow = new float[k];
        double errSq = 0, refSq = 0;
        for (int col = 0; col < n; col++) {
            for (int e = 0; e < k; e++) {
                wrow[e] = ort.weight(col, e);
            }
            for (int row = 0; row < rows; row++) {
                double s = 0;
                int base = row * k;
                for (int e = 0; e < k; e++) {
                    s += (double) a.get(base + e) * wrow[e];
                }
                double d = y.get(row * n + col) - s;
                errSq += d * d;
                refSq += s * s;
            }
        }
        double rel = Math.sqrt(errSq / refSq);
        System.out.printf(Locale.ROOT, "%-16s ORT check: relative L2 error %.2e over %d rows vs dequantised reference %s%n",
                label, rel, rows, rel < 2e-2 ? "(ok)" : "(FAILED)");
        if (!(rel < 2e-2)) {
            throw new IllegalStateException("ORT MatMulNBits output does not match the dequantised reference: " + rel);
        }
    }

    private static String fmt(double[] ms) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ms.length; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.0f", ms[i]));
        }
        return sb.append("]").toString();
    }

    private static Node node(Op op, TensorSpec... inputs) {
        List<Value> in = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            in.add(new Value(i, inputs[i], "in" + i));
        }
        TensorSpec out = op.infer(List.of(inputs)).getFirst();
        return new Node(0, op, in, List.of(new Value(inputs.length, out, "y")), "bench");
    }

    private static Tensor floats(Arena arena, long seed, double lo, double hi, int... dims) {
        Tensor x = Tensor.allocate(new TensorSpec(DType.F32, Shape.of(dims)), arena);
        SplittableRandom r = new SplittableRandom(seed);
        int count = Math.toIntExact(x.numel());
        float[] chunk = new float[Math.min(count, 1 << 20)];
        for (int off = 0; off < count; off += chunk.length) {
            int len = Math.min(chunk.length, count - off);
            for (int i = 0; i < len; i++) {
                chunk[i] = (float) (lo + (hi - lo) * r.nextDouble());
            }
            MemorySegment.copy(chunk, 0, x.data(), Tensor.F32, (long) off * 4, len);
        }
        return x;
    }

    private static Tensor qweight(Arena arena, long seed, int n, int kp) {
        Tensor q = Tensor.allocate(new TensorSpec(DType.I8, Shape.of(n, kp / 2)), arena);
        SplittableRandom r = new SplittableRandom(seed);
        long size = q.byteSize();
        for (long i = 0; i < size; i += 8) {
            q.data().set(ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong());
        }
        return q;
    }

    private static List<DeviceBuffer> buffers(Tensor... ts) {
        List<DeviceBuffer> l = new ArrayList<>();
        for (Tensor t : ts) {
            l.add(HostBuffer.view(t.data()));
        }
        return l;
    }
}
