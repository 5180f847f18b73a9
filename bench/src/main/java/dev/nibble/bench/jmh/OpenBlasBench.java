package dev.nibble.bench.jmh;

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
import java.util.concurrent.TimeUnit;

/**
 * OpenBLAS SGEMM ({@code cblas_sgemm}, row-major, W transposed) on the {@link GemmBench} shapes:
 * the baseline. Run with {@code OPENBLAS_CORETYPE=SkylakeX} (and OPENBLAS_NUM_THREADS to match the
 * fast kernels' threads) in the environment.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class OpenBlasBench {
    @Param({"4096x3072x3072", "4096x3072x12288", "4096x12288x3072", "256x3072x3072", "4096x1280x5120"})
    public String mkn;

    private Arena arena;
    private Tensor x;
    private Tensor w;
    private Tensor y;
    private int m;
    private int k;
    private int n;

    @Setup(Level.Trial)
    public void setup() {
        if (!OpenBlas.available()) {
            throw new IllegalStateException(OpenBlas.unavailableReason());
        }
        int[] d = BenchSupport.dims(mkn);
        m = d[0];
        k = d[1];
        n = d[2];
        arena = Arena.ofShared();
        x = BenchSupport.random(arena, 1, DType.F32, m, k);
        w = BenchSupport.random(arena, 2, DType.F32, n, k);
        y = Tensor.allocate(TensorSpec.f32(m, n), arena);
    }

    @Benchmark
    public void sgemm() {
        OpenBlas.linear(m, n, k, x.data(), w.data(), y.data());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }
}
