package dev.nibble.bench.jmh;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Conv2d;
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

/** A 3×3, stride 1, pad 1 convolution with bias, batch 1, HxWxC→O (SDXL's 128×128×320 blocks); FLOPs 2·O·C·9·H·W. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Conv2dBench {
    @Param({"128x128x320x320"})
    public String hwco;

    private Arena arena;
    private Kernel kernel;
    private List<DeviceBuffer> in;
    private List<DeviceBuffer> out;

    @Setup(Level.Trial)
    public void setup() {
        int[] d = BenchSupport.dims(hwco);
        int h = d[0], w = d[1], c = d[2], o = d[3];
        arena = Arena.ofShared();
        Tensor x = BenchSupport.random(arena, 1, DType.F32, 1, c, h, w);
        Tensor wt = BenchSupport.random(arena, 2, DType.F32, o, c, 3, 3);
        Tensor b = BenchSupport.random(arena, 3, DType.F32, o);
        Tensor y = Tensor.allocate(TensorSpec.f32(1, o, h, w), arena);
        Node node = BenchSupport.node(Conv2d.of(1, 1, true), x.spec(), wt.spec(), b.spec());
        kernel = BenchSupport.cpu().compile(node);
        in = BenchSupport.buffers(x, wt, b);
        out = BenchSupport.buffers(y);
        kernel.run(in, out);
    }

    @Benchmark
    public void conv3x3() {
        kernel.run(in, out);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    static double flops(String hwco) {
        int[] d = BenchSupport.dims(hwco);
        return 2.0 * d[0] * d[1] * d[2] * d[3] * 9;
    }
}
