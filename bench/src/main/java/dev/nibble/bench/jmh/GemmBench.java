package dev.nibble.bench.jmh;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Linear;
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
 * {@code y = x·Wᵀ} through the CPU backend's fast Linear kernel, shapes given as M×K×N; FLOPs are
 * 2·M·N·K. {@link OpenBlasBench} times cblas_sgemm on the same shapes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBench {
    @Param({"4096x3072x3072", "4096x3072x12288", "4096x12288x3072", "256x3072x3072", "4096x1280x5120"})
    public String mkn;

    @Param({"F32", "BF16"})
    public String weights;

    private Arena arena;
    private Kernel kernel;
    private List<DeviceBuffer> in;
    private List<DeviceBuffer> out;

    @Setup(Level.Trial)
    public void setup() {
        int[] d = BenchSupport.dims(mkn);
        int m = d[0], k = d[1], n = d[2];
        arena = Arena.ofShared();
        Tensor x = BenchSupport.random(arena, 1, DType.F32, m, k);
        Tensor w = BenchSupport.random(arena, 2, DType.valueOf(weights), n, k);
        Tensor y = Tensor.allocate(TensorSpec.f32(m, n), arena);
        Node node = BenchSupport.node(new Linear(false), x.spec(), w.spec());
        kernel = BenchSupport.cpu().compile(node);
        in = BenchSupport.buffers(x, w);
        out = BenchSupport.buffers(y);
        kernel.run(in, out); // packs the weight once, as the first step of a generation would
    }

    @Benchmark
    public void linear() {
        kernel.run(in, out);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    static double flops(String mkn) {
        int[] d = BenchSupport.dims(mkn);
        return 2.0 * d[0] * d[1] * d[2];
    }
}
