package dev.nibble.bench.svdq;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.backend.cpu.svdq.SvdqKernels;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Same-run comparison for a shared, noisy machine: the kernels of one shape run interleaved
 * (svdq_r32, svdq_r0, f32, svdq_r32, ...) and each reports its minimum and median wall time, so drift
 * and neighbours hit all of them alike; GOP/s = 2·M·N·K / time.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.nibble.bench.svdq.SvdqPaired \
 *      [reps] [MxKxN ...]
 * </pre>
 */
public final class SvdqPaired {
    private SvdqPaired() {
    }

    record Case(String kind, Kernel kernel, List<DeviceBuffer> in, List<DeviceBuffer> out, double[] ms) {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        List<String> shapes = args.length > 1 ? Arrays.asList(args).subList(1, args.length)
                : List.of("4096x3072x3072", "4096x3072x12288", "4096x12288x3072", "256x3072x3072");
        for (String mkn : shapes) {
            int[] d = SvdqBenchData.dims(mkn);
            int m = d[0], k = d[1], n = d[2];
            try (Arena arena = Arena.ofShared()) {
                Tensor x = SvdqBenchData.floats(arena, 1, DType.F32, -1, 1, m, k);
                Tensor y = Tensor.allocate(TensorSpec.f32(m, n), arena);
                Tensor bias = SvdqBenchData.floats(arena, 7, DType.F32, -1, 1, n);
                List<Case> cases = new ArrayList<>();
                for (String kind : List.of("svdq_r32", "svdq_r0", "f32")) {
                    Kernel kern;
                    List<DeviceBuffer> in;
                    if (kind.equals("f32")) {
                        Tensor w = SvdqBenchData.floats(arena, 2, DType.F32, -1, 1, n, k);
                        kern = CpuBackend.fastDevice().compile(SvdqBenchData.node(new Linear(true), x.spec(), w.spec(), bias.spec()));
                        in = SvdqBenchData.buffers(x, w, bias);
                    } else {
                        int r = kind.equals("svdq_r32") ? 32 : 0;
                        SvdqLinear op = new SvdqLinear(64, true);
                        int kp = op.paddedK(k);
                        Tensor q = SvdqBenchData.qweight(arena, 2, n, kp);
                        Tensor ws = SvdqBenchData.floats(arena, 3, DType.F32, 0.001, 0.01, kp / 64, n);
                        Tensor smooth = SvdqBenchData.floats(arena, 4, DType.F32, 0.5, 2, k);
                        Tensor down = SvdqBenchData.floats(arena, 5, DType.F32, -0.1, 0.1, k, r);
                        Tensor up = SvdqBenchData.floats(arena, 6, DType.F32, -0.1, 0.1, n, r);
                        Node node = SvdqBenchData.node(op, x.spec(), q.spec(), ws.spec(), smooth.spec(), down.spec(),
                                up.spec(), bias.spec());
                        kern = SvdqKernels.fast().get(SvdqLinear.class).create(node);
                        in = SvdqBenchData.buffers(x, q, ws, smooth, down, up, bias);
                    }
                    List<DeviceBuffer> out = SvdqBenchData.buffers(y);
                    for (int w = 0; w < 2; w++) {
                        kern.run(in, out); // pack + warm up
                    }
                    cases.add(new Case(kind, kern, in, out, new double[reps]));
                }
                for (int rep = 0; rep < reps; rep++) {
                    for (Case c : cases) {
                        long t0 = System.nanoTime();
                        c.kernel.run(c.in, c.out);
                        c.ms[rep] = (System.nanoTime() - t0) / 1e6;
                    }
                }
                double ops = 2.0 * m * n * k;
                double r32 = 0, r0 = 0;
                for (Case c : cases) {
                    double[] s = c.ms.clone();
                    Arrays.sort(s);
                    double min = s[0], med = s[s.length / 2];
                    if (c.kind.equals("svdq_r32")) {
                        r32 = min;
                    } else if (c.kind.equals("svdq_r0")) {
                        r0 = min;
                    }
                    System.out.printf(Locale.ROOT, "%-16s %-9s min %9.1f ms (%6.0f GOP/s)  median %9.1f ms (%6.0f GOP/s)%n",
                            mkn, c.kind, min, ops / min / 1e6, med, ops / med / 1e6);
                }
                System.out.printf(Locale.ROOT, "%-16s rank-32 branch cost over the bare 4-bit GEMM: %+.1f%% (min times)%n",
                        mkn, 100 * (r32 / r0 - 1));
            }
        }
    }
}
