package dev.nibble.bench.jmh;

import dev.nibble.backend.cpu.fast.FastKernels;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.lang.foreign.Arena;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the kernel benchmarks through JMH and prints GFLOP/s, with OpenBLAS SGEMM on the same
 * shapes in the same run as the baseline ratio, then the attention scratch-memory table.
 *
 * <pre>
 * OPENBLAS_CORETYPE=SkylakeX java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp bench/target/benchmarks.jar dev.nibble.bench.jmh.KernelSummary [--only paired,gemm,attention,conv,memory]
 *     [--reps 5]
 *     [--shapes 4096x3072x3072,...] [--weights F32,BF16] [-wi 1] [-i 3] [-r 2]
 * </pre>
 */
public final class KernelSummary {
    private KernelSummary() {
    }

    public static void main(String[] args) throws RunnerException {
        Map<String, String> opt = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i], args[i + 1]);
        }
        String only = opt.getOrDefault("--only", "gemm,attention,conv,memory");
        int wi = Integer.parseInt(opt.getOrDefault("-wi", "1"));
        int it = Integer.parseInt(opt.getOrDefault("-i", "3"));
        int secs = Integer.parseInt(opt.getOrDefault("-r", "2"));
        String threads = System.getProperty("nibble.cpu.threads", System.getenv("NIBBLE_CPU_THREADS"));
        System.out.printf(Locale.ROOT, "cpu threads: %s; OPENBLAS_CORETYPE=%s, OPENBLAS_NUM_THREADS=%s; load average %.1f%n",
                threads == null ? Runtime.getRuntime().availableProcessors() + " (all)" : threads,
                System.getenv("OPENBLAS_CORETYPE"), System.getenv("OPENBLAS_NUM_THREADS"), load());

        List<String[]> rows = new ArrayList<>();
        if (only.contains("paired")) {
            String[] shapes = opt.getOrDefault("--shapes",
                    "4096x3072x3072,4096x3072x12288,4096x12288x3072,256x3072x3072,4096x1280x5120").split(",");
            String[] weights = opt.getOrDefault("--weights", "F32,BF16").split(",");
            int reps = Integer.parseInt(opt.getOrDefault("--reps", "5"));
            List<PairedGemm.Result> results = new ArrayList<>();
            for (String s : shapes) {
                for (String w : weights) {
                    results.add(PairedGemm.run(s, w, reps));
                }
            }
            PairedGemm.print(results);
        }
        if (only.contains("gemm")) {
            ChainedOptionsBuilder b = options(wi, it, secs)
                    .include(GemmBench.class.getSimpleName()).include(OpenBlasBench.class.getSimpleName());
            if (opt.containsKey("--shapes")) {
                b.param("mkn", opt.get("--shapes").split(","));
            }
            if (opt.containsKey("--weights")) {
                b.param("weights", opt.get("--weights").split(","));
            }
            Collection<RunResult> res = new Runner(b.build()).run();
            Map<String, Double> blas = new HashMap<>();
            for (RunResult r : res) {
                if (r.getParams().getBenchmark().contains("OpenBlasBench")) {
                    blas.put(r.getParams().getParam("mkn"), gflops(r, GemmBench.flops(r.getParams().getParam("mkn"))));
                }
            }
            for (RunResult r : res) {
                BenchmarkParams p = r.getParams();
                String mkn = p.getParam("mkn");
                double g = gflops(r, GemmBench.flops(mkn));
                boolean isBlas = p.getBenchmark().contains("OpenBlasBench");
                Double base = blas.get(mkn);
                rows.add(new String[] {isBlas ? "OpenBLAS sgemm" : "nibble Linear " + p.getParam("weights"), "M,K,N=" + mkn,
                        fmt(r.getPrimaryResult().getScore()), fmt(g), isBlas || base == null ? "" : fmt(g / base)});
            }
        }
        if (only.contains("attention")) {
            Collection<RunResult> res = new Runner(options(wi, it, secs).include(AttentionBench.class.getSimpleName()).build()).run();
            for (RunResult r : res) {
                String ldh = r.getParams().getParam("ldh");
                rows.add(new String[] {"nibble Attention", "L,D,H=" + ldh, fmt(r.getPrimaryResult().getScore()),
                        fmt(gflops(r, AttentionBench.flops(ldh))), ""});
            }
        }
        if (only.contains("conv")) {
            Collection<RunResult> res = new Runner(options(wi, it, secs).include(Conv2dBench.class.getSimpleName()).build()).run();
            for (RunResult r : res) {
                String s = r.getParams().getParam("hwco");
                rows.add(new String[] {"nibble Conv2d 3x3", "H,W,C,O=" + s, fmt(r.getPrimaryResult().getScore()),
                        fmt(gflops(r, Conv2dBench.flops(s))), ""});
            }
        }
        if (!rows.isEmpty()) {
            System.out.println();
            System.out.printf(Locale.ROOT, "JMH (wall clock, each benchmark in its own fork; load average now %.1f):%n", load());
            System.out.printf(Locale.ROOT, "%-22s %-22s %10s %10s %14s%n", "kernel", "shape", "ms/op", "GFLOP/s", "vs OpenBLAS");
            for (String[] r : rows) {
                System.out.printf(Locale.ROOT, "%-22s %-22s %10s %10s %14s%n", (Object[]) r);
            }
        }
        if (only.contains("memory")) {
            attentionMemory();
        }
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static ChainedOptionsBuilder options(int wi, int it, int secs) {
        return new OptionsBuilder().forks(1).warmupIterations(wi).measurementIterations(it)
                .warmupTime(TimeValue.seconds(secs)).measurementTime(TimeValue.seconds(secs))
                .verbosity(VerboseMode.NORMAL).shouldFailOnError(true);
    }

    private static double gflops(RunResult r, double flops) {
        double ms = r.getPrimaryResult().getScore();
        return flops / (ms * 1e6);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
    }

    /**
     * Scratch of the fast attention kernel at L = 1024, 2048, 4096 (D 64, 10 heads): what the kernel
     * reserves (all workers), bytes per key, the shared scratch pool's size after compiling it (it only
     * grows, so in ascending L this is the measured allocation), and the direct-memory growth over
     * compile + one run, against the L² floats one head's materialised score matrix would take.
     */
    static void attentionMemory() {
        Device cpu = BenchSupport.cpu();
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElse(null);
        System.out.println();
        System.out.println("attention scratch memory (D 64, 10 heads, batch 1, " + PairedGemm.threads() + " workers):");
        System.out.printf(Locale.ROOT, "%6s %16s %12s %16s %16s %20s%n", "L", "kernel scratch B", "B per key",
                "pool after B", "direct growth B", "L×L scores/head B");
        for (int l : new int[] {1024, 2048, 4096}) {
            try (Arena arena = Arena.ofShared()) {
                Tensor q = BenchSupport.random(arena, 1, DType.F32, 1, 10, l, 64);
                Tensor k = BenchSupport.random(arena, 2, DType.F32, 1, 10, l, 64);
                Tensor v = BenchSupport.random(arena, 3, DType.F32, 1, 10, l, 64);
                Tensor o = Tensor.allocate(TensorSpec.f32(1, 10, l, 64), arena);
                long before = direct == null ? 0 : direct.getMemoryUsed();
                Node node = BenchSupport.node(new Attention(0.125f, false, false), q.spec(), k.spec(), v.spec());
                Kernel kern = cpu.compile(node);
                List<DeviceBuffer> in = BenchSupport.buffers(q, k, v);
                List<DeviceBuffer> out = BenchSupport.buffers(o);
                kern.run(in, out);
                long growth = direct == null ? -1 : direct.getMemoryUsed() - before;
                long scratch = FastKernels.scratchBytes(kern);
                System.out.printf(Locale.ROOT, "%6d %16d %12d %16d %16d %20d%n", l, scratch, scratch / l,
                        FastKernels.reservedScratchBytes(), growth, 4L * l * l);
            }
        }
    }
}
