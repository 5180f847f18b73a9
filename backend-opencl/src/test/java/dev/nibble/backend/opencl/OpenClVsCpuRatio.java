package dev.nibble.backend.opencl;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.backend.cpu.svdq.SvdqCases;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A benchmark, not a test (it asserts nothing about time, and its name keeps it out of the default
 * Surefire run): the OpenCL device's F32 Linear and fused SVDQ linear (rank 32, group 64) against the
 * CPU backend's fast kernels, on the same node, timed interleaved in the same run (CPU rep, OpenCL
 * rep, CPU rep, ...), median of the reps, as GFLOP/s (2·M·K·N / t) and the OpenCL/CPU ratio.
 *
 * <pre>
 * ./mvnw -B -pl backend-opencl test -Dtest=OpenClVsCpuRatio [-Dratio.m=512] [-Dratio.reps=3]
 *     [-Dratio.shapes=4096x3072x3072,256x3072x3072] [-Dratio.ops=linear,svdq] [-Dratio.warmup=2]
 * </pre>
 *
 * Shapes are M x K x N; the default is FLUX's (4096,3072,3072), (4096,3072,12288), (4096,12288,3072),
 * (256,3072,3072). {@code ratio.m} replaces every M (quick runs). Each kernel runs {@code ratio.warmup}
 * times untimed first (JIT, program builds, weight packing); the outputs of the two backends are compared as a sanity check.
 */
class OpenClVsCpuRatio {
    private static final int WARMUP = Integer.getInteger("ratio.warmup", 2);
    private static final String DEFAULT_SHAPES = "4096x3072x3072,4096x3072x12288,4096x12288x3072,256x3072x3072";

    @Test
    void ratios() {
        int reps = Integer.getInteger("ratio.reps", 3);
        String mOverride = System.getProperty("ratio.m");
        List<String> ops = Arrays.asList(System.getProperty("ratio.ops", "linear,svdq").split(","));
        List<int[]> shapes = new ArrayList<>();
        for (String s : System.getProperty("ratio.shapes", DEFAULT_SHAPES).split(",")) {
            String[] p = s.trim().split("x");
            int m = mOverride != null ? Integer.parseInt(mOverride) : Integer.parseInt(p[0]);
            shapes.add(new int[] {m, Integer.parseInt(p[1]), Integer.parseInt(p[2])});
        }
        OpenClDevice ocl = OpenClTestSupport.device();
        System.out.printf(Locale.ROOT, "OpenCL device: %s, capabilities %s; CPU threads: %s; reps %d%n", ocl.name(),
                ocl.capabilities(), System.getProperty("nibble.cpu.threads", "default"), reps);
        List<String> rows = new ArrayList<>();
        for (int[] s : shapes) {
            for (String op : ops) {
                Bench b = switch (op.trim()) {
                    case "linear" -> linear(s[0], s[1], s[2]);
                    case "svdq" -> svdq(s[0], s[1], s[2]);
                    default -> throw new IllegalArgumentException("ratio.ops: linear or svdq, got " + op);
                };
                String row = measure(b, ocl, s, reps);
                System.out.println(row);
                rows.add(row);
            }
        }
        System.out.println();
        System.out.println("op      M      K      N     CPU GFLOP/s  OpenCL GFLOP/s  OpenCL/CPU  CPU ms   OpenCL ms  max|Δ|/max|y|");
        rows.forEach(System.out::println);
    }

    private record Bench(String name, Node node, List<Tensor> inputs) {
    }

    private static String measure(Bench b, OpenClDevice ocl, int[] s, int reps) {
        Tensor yCpu = Tensor.zeros(DType.F32, b.node().output().spec().shape());
        Tensor yOcl = Tensor.zeros(DType.F32, b.node().output().spec().shape());
        Kernel cpuK = CpuBackend.fastDevice().compile(b.node());
        List<DeviceBuffer> cpuIn = b.inputs().stream().map(t -> (DeviceBuffer) HostBuffer.view(t.data())).toList();
        List<DeviceBuffer> cpuOut = List.of(HostBuffer.view(yCpu.data()));
        Kernel oclK = ocl.compile(b.node());
        List<DeviceBuffer> oclIn = new ArrayList<>();
        for (Tensor t : b.inputs()) {
            oclIn.add(ocl.upload(t));
        }
        double[] tc = new double[reps], to = new double[reps];
        try (DeviceBuffer out = ocl.allocate(yOcl.byteSize())) {
            List<DeviceBuffer> oclOut = List.of(out);
            for (int w = 0; w < WARMUP; w++) { // JIT, weight packing, program builds
                cpuK.run(cpuIn, cpuOut);
                oclK.run(oclIn, oclOut);
                ocl.synchronize();
            }
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                cpuK.run(cpuIn, cpuOut);
                tc[r] = (System.nanoTime() - t0) * 1e-9;
                t0 = System.nanoTime();
                oclK.run(oclIn, oclOut);
                ocl.synchronize();
                to[r] = (System.nanoTime() - t0) * 1e-9;
            }
            ocl.read(out, yOcl.data());
        } finally {
            oclIn.forEach(DeviceBuffer::close);
        }
        double mc = median(tc), mo = median(to);
        double flops = 2.0 * s[0] * s[1] * s[2];
        float[] a = yCpu.toFloatArray(), c = yOcl.toFloatArray();
        double maxY = 0, maxD = 0;
        for (int i = 0; i < a.length; i++) {
            maxY = Math.max(maxY, Math.abs(a[i]));
            maxD = Math.max(maxD, Math.abs(a[i] - c[i]));
        }
        return String.format(Locale.ROOT, "%-6s %5d %6d %6d   %9.1f   %12.1f   %9.2fx   %7.0f  %8.0f   %.2g",
                b.name(), s[0], s[1], s[2], flops / mc * 1e-9, flops / mo * 1e-9, mc / mo, mc * 1e3, mo * 1e3,
                maxD / Math.max(1e-30, maxY));
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    private static Bench linear(int m, int k, int n) {
        SplittableRandom rnd = new SplittableRandom(42);
        Tensor x = random(Shape.of(m, k), rnd, 1);
        Tensor w = random(Shape.of(n, k), rnd, 1 / Math.sqrt(k));
        Tensor b = random(Shape.of(n), rnd, 1);
        Linear op = new Linear(true, UnaryFn.IDENTITY);
        List<Value> in = List.of(new Value(0, x.spec(), "x"), new Value(1, w.spec(), "w"), new Value(2, b.spec(), "b"));
        TensorSpec ys = op.infer(List.of(x.spec(), w.spec(), b.spec())).getFirst();
        Node node = new Node(0, op, in, List.of(new Value(3, ys, "y")), "linear");
        return new Bench("linear", node, List.of(x, w, b));
    }

    private static Bench svdq(int m, int k, int n) {
        SvdqCases.Case c = SvdqCases.random(m, k, n, 32, 64, true, UnaryFn.IDENTITY, DType.F32, 7);
        return new Bench("svdq", c.node(), c.inputs());
    }

    private static Tensor random(Shape s, SplittableRandom rnd, double scale) {
        Tensor t = Tensor.zeros(DType.F32, s);
        float[] v = new float[(int) s.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        t.data().copyFrom(java.lang.foreign.MemorySegment.ofArray(v));
        return t;
    }
}
