package dev.nibble.bench.jmh;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The fast Linear kernel and OpenBLAS SGEMM timed alternately in one process, call after call, so
 * that both see the same machine load (this machine is shared; JMH's fork-per-benchmark runs them
 * minutes apart). Reports best and median times and their ratios.
 */
final class PairedGemm {
    private PairedGemm() {
    }

    /**
     * Times in ms: wall-clock best and median, and the process CPU time divided by the thread count
     * (best), which a shared machine's time slicing does not inflate: "what the call would take on
     * dedicated cores". Busy-waiting workers count in it; both libraries' workers do some.
     */
    record Result(String mkn, String weights, double nibbleBestMs, double nibbleMedianMs, double blasBestMs,
                  double blasMedianMs, double nibbleCpuMs, double blasCpuMs) {
        double flops() {
            return GemmBench.flops(mkn);
        }
    }

    static Result run(String mkn, String weights, int reps) {
        int[] d = BenchSupport.dims(mkn);
        int m = d[0], k = d[1], n = d[2];
        try (Arena arena = Arena.ofShared()) {
            Tensor x = BenchSupport.random(arena, 1, DType.F32, m, k);
            Tensor w = BenchSupport.random(arena, 2, DType.valueOf(weights), n, k);
            Tensor w32 = DType.valueOf(weights) == DType.F32 ? w : BenchSupport.random(arena, 2, DType.F32, n, k);
            Tensor y = Tensor.allocate(TensorSpec.f32(m, n), arena);
            Tensor y2 = Tensor.allocate(TensorSpec.f32(m, n), arena);
            Node node = BenchSupport.node(new Linear(false), x.spec(), w.spec());
            Kernel kernel = BenchSupport.cpu().compile(node);
            List<DeviceBuffer> in = BenchSupport.buffers(x, w);
            List<DeviceBuffer> out = BenchSupport.buffers(y);
            // warm up both (packs the weight, compiles the Java kernel)
            for (int i = 0; i < 2; i++) {
                kernel.run(in, out);
                OpenBlas.linear(m, n, k, x.data(), w32.data(), y2.data());
            }
            double[] a = new double[reps], b = new double[reps], ca = new double[reps], cb = new double[reps];
            double threads = threads();
            for (int i = 0; i < reps; i++) {
                long c0 = cpu();
                long t0 = System.nanoTime();
                kernel.run(in, out);
                long t1 = System.nanoTime();
                long c1 = cpu();
                OpenBlas.linear(m, n, k, x.data(), w32.data(), y2.data());
                long t2 = System.nanoTime();
                long c2 = cpu();
                a[i] = (t1 - t0) / 1e6;
                b[i] = (t2 - t1) / 1e6;
                ca[i] = (c1 - c0) / 1e6 / threads;
                cb[i] = (c2 - c1) / 1e6 / threads;
            }
            if (DType.valueOf(weights) == DType.F32) {
                check(y, y2);
            }
            return new Result(mkn, weights, min(a), median(a), min(b), median(b), min(ca), min(cb));
        }
    }

    private static void check(Tensor y, Tensor ref) {
        double maxDiff = 0, maxRef = 0;
        for (long i = 0; i < y.numel(); i += 97) {
            maxDiff = Math.max(maxDiff, Math.abs(y.data().getAtIndex(Tensor.F32, i) - ref.data().getAtIndex(Tensor.F32, i)));
            maxRef = Math.max(maxRef, Math.abs(ref.data().getAtIndex(Tensor.F32, i)));
        }
        if (maxDiff > 1e-4 * Math.max(1, maxRef)) {
            throw new IllegalStateException("nibble and OpenBLAS disagree: max diff " + maxDiff + " of " + maxRef);
        }
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The threads both sides use: all cores (set NIBBLE_CPU_THREADS and OPENBLAS_NUM_THREADS alike to change). */
    static int threads() {
        String t = System.getProperty("nibble.cpu.threads", System.getenv("NIBBLE_CPU_THREADS"));
        return t == null || t.isBlank() ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(t.trim());
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static void print(List<Result> results) {
        System.out.println();
        System.out.printf(Locale.ROOT, "paired runs, %d threads (fast Linear and OpenBLAS alternating call by call in one process;"
                + " GFLOP/s from wall-clock best / median, and from process CPU time / threads; load average now %.1f):%n",
                threads(), java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "%-16s %-5s %8s %8s %8s %8s %7s %7s | %8s %8s %7s%n", "M,K,N", "W", "nib best",
                "nib med", "blas bst", "blas med", "r best", "r med", "nib cpu", "blas cpu", "r cpu");
        for (Result r : results) {
            double f = r.flops() / 1e6;
            System.out.printf(Locale.ROOT, "%-16s %-5s %8.0f %8.0f %8.0f %8.0f %7.2f %7.2f | %8.0f %8.0f %7.2f%n", r.mkn(),
                    r.weights(), f / r.nibbleBestMs(), f / r.nibbleMedianMs(), f / r.blasBestMs(), f / r.blasMedianMs(),
                    r.blasBestMs() / r.nibbleBestMs(), r.blasMedianMs() / r.nibbleMedianMs(),
                    f / r.nibbleCpuMs(), f / r.blasCpuMs(), r.blasCpuMs() / r.nibbleCpuMs());
        }
    }
}
