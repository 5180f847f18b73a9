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
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The fused SVDQ W4A4 linear (group 64) against the engine's F32 Linear fast kernel, at FLUX's shapes
 * M×K×N. {@code kind}: {@code svdq_r32} (rank-32 branch fused), {@code svdq_r0} (the bare 4-bit GEMM:
 * quantise + int4 GEMM, no branch), {@code f32} (CpuBackend.fastDevice() Linear, F32 weights). Ops are
 * counted as 2·M·N·K for all three, so GOP/s compare directly.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar SvdqLinearBench
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SvdqLinearBench {
    @Param({"4096x3072x3072", "4096x3072x12288", "4096x12288x3072", "256x3072x3072"})
    public String mkn;

    @Param({"svdq_r32", "svdq_r0", "f32"})
    public String kind;

    private Arena arena;
    private Kernel kernel;
    private List<DeviceBuffer> in;
    private List<DeviceBuffer> out;

    @Setup(Level.Trial)
    public void setup() {
        int[] d = SvdqBenchData.dims(mkn);
        int m = d[0], k = d[1], n = d[2];
        arena = Arena.ofShared();
        Tensor x = SvdqBenchData.floats(arena, 1, DType.F32, -1, 1, m, k);
        Tensor y = Tensor.allocate(TensorSpec.f32(m, n), arena);
        Tensor bias = SvdqBenchData.floats(arena, 7, DType.F32, -1, 1, n);
        if (kind.equals("f32")) {
            Tensor w = SvdqBenchData.floats(arena, 2, DType.F32, -1, 1, n, k);
            Node node = SvdqBenchData.node(new Linear(true), x.spec(), w.spec(), bias.spec());
            kernel = CpuBackend.fastDevice().compile(node);
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
            Node node = SvdqBenchData.node(op, x.spec(), q.spec(), ws.spec(), smooth.spec(), down.spec(), up.spec(),
                    bias.spec());
            kernel = SvdqKernels.fast().get(SvdqLinear.class).create(node);
            in = SvdqBenchData.buffers(x, q, ws, smooth, down, up, bias);
        }
        out = SvdqBenchData.buffers(y);
        kernel.run(in, out); // packs the weights once, as the first step of a generation would
    }

    @Benchmark
    public void linear() {
        kernel.run(in, out);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /**
     * Stored weight bytes of one K×N layer: SVDQ (rank r, group g, side tensors of {@code side} type, bias
     * F32) against BF16 weight + bias. {@code java -cp bench/target/benchmarks.jar dev.nibble.bench.svdq.SvdqLinearBench}
     */
    static long svdqBytes(int k, int n, int r, int g, DType side) {
        int kp = (k + g - 1) / g * g;
        long s = side.byteSize(1);
        return (long) n * kp / 2 + (kp / g) * (long) n * s + k * s + (long) k * r * s + (long) n * r * s + 4L * n;
    }

    public static void main(String[] args) {
        int k = 3072, n = 3072;
        long bf16 = 2L * k * n + 4L * n;
        for (DType side : new DType[]{DType.F32, DType.BF16}) {
            long b = svdqBytes(k, n, 32, 64, side);
            System.out.printf("K=N=%d rank 32 group 64, %s side tensors: SVDQ %d bytes vs BF16 %d bytes = %.3fx%n",
                    k, side, b, bf16, (double) b / bf16);
        }
    }
}
