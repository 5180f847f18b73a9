package dev.nibble.bench.jmh;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Attention;
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
 * Self-attention softmax(q·kᵀ/√D)·v, batch 1, shapes L×D×H: FLUX's joint attention (4096 image +
 * 512 text tokens, D 128, 24 heads) and SDXL's largest (64×64 latents, D 64, 10 heads). FLOPs
 * counted as 4·L²·D·H (the two matrix products).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionBench {
    @Param({"4608x128x24", "4096x64x10"})
    public String ldh;

    private Arena arena;
    private Kernel kernel;
    private List<DeviceBuffer> in;
    private List<DeviceBuffer> out;

    @Setup(Level.Trial)
    public void setup() {
        int[] d = BenchSupport.dims(ldh);
        int l = d[0], dh = d[1], h = d[2];
        arena = Arena.ofShared();
        Tensor q = BenchSupport.random(arena, 1, DType.F32, 1, h, l, dh);
        Tensor k = BenchSupport.random(arena, 2, DType.F32, 1, h, l, dh);
        Tensor v = BenchSupport.random(arena, 3, DType.F32, 1, h, l, dh);
        Tensor o = Tensor.allocate(TensorSpec.f32(1, h, l, dh), arena);
        Node node = BenchSupport.node(new Attention((float) (1 / Math.sqrt(dh)), false, false), q.spec(), k.spec(), v.spec());
        kernel = BenchSupport.cpu().compile(node);
        in = BenchSupport.buffers(q, k, v);
        out = BenchSupport.buffers(o);
    }

    @Benchmark
    public void attention() {
        kernel.run(in, out);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    static double flops(String ldh) {
        int[] d = BenchSupport.dims(ldh);
        return 4.0 * d[0] * d[0] * d[1] * d[2];
    }
}
