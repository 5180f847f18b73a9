package dev.nibble.backend.vulkan;

import dev.nibble.backend.cpu.svdq.SvdqCases;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Not a test (surefire's default includes skip it; run with {@code -Dtest=VulkanBenchmark}): kernel
 * throughput on the Vulkan device, printed, never asserted.
 */
class VulkanBenchmark {
    private static double time(dev.nibble.engine.spi.Device dev, Node node, List<Tensor> inputs, int reps) {
        Kernel k = dev.compile(node);
        List<DeviceBuffer> ins = new ArrayList<>();
        for (Tensor t : inputs) {
            ins.add(dev.upload(t));
        }
        DeviceBuffer out = dev.allocate(node.output().spec().byteSize());
        k.run(ins, List.of(out));
        dev.synchronize();
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            k.run(ins, List.of(out));
        }
        dev.synchronize();
        double s = (System.nanoTime() - t0) / 1e9 / reps;
        ins.forEach(DeviceBuffer::close);
        out.close();
        return s;
    }

    private static Node node(Op op, TensorSpec... in) {
        List<Value> v = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            v.add(new Value(i, in[i], "in" + i));
        }
        return new Node(0, op, v, List.of(new Value(in.length, op.infer(List.of(in)).get(0), "y")), "bench");
    }

    private static Tensor rand(DType dt, int... dims) {
        Tensor t = Tensor.zeros(dt, Shape.of(dims));
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (long i = 0; i < t.numel(); i++) {
            t.setFloat(i, (float) r.nextGaussian());
        }
        return t;
    }

    @Test
    void kernels() {
        VulkanDevice dev = VulkanTestDevice.get();
        int m = 256, k = 1024, n = 1024;
        for (DType wt : new DType[] {DType.F32, DType.F16}) {
            Tensor x = rand(DType.F32, m, k), w = rand(wt, n, k);
            double s = time(dev, node(new Linear(false), x.spec(), w.spec()), List.of(x, w), 3);
            System.out.printf(Locale.ROOT, "Linear %dx%dx%d %s: %.1f ms, %.2f GFLOP/s%n", m, k, n, wt, s * 1e3, 2.0 * m * k * n / s / 1e9);
        }
        SvdqCases.Case c = SvdqCases.random(m, k, n, 32, 64, true, UnaryFn.GELU, DType.F16, 3);
        double s = time(dev, c.node(), c.inputs(), 3);
        System.out.printf(Locale.ROOT, "SvdqLinear %dx%dx%d r32 g64 +bias+GELU: %.1f ms, %.2f GOP/s (4-bit MACs as 2 ops)%n",
                m, k, n, s * 1e3, 2.0 * m * k * n / s / 1e9);
        Tensor q = rand(DType.F32, 1, 8, 512, 64);
        s = time(dev, node(new Attention(0.125f, false, false), q.spec(), q.spec(), q.spec()), List.of(q, q, q), 3);
        System.out.printf(Locale.ROOT, "Attention 1x8x512x512x64: %.1f ms, %.2f GFLOP/s%n", s * 1e3, 4.0 * 8 * 512 * 512 * 64 / s / 1e9);
        System.out.println(dev.gpu().pipelineStats());
    }

    /**
     * Vulkan against the CPU backend on the same nodes, alternating (CPU, Vulkan, CPU) so machine noise
     * hits both: F32 Linear and the fused SvdqLinear (rank 32, group 64) at one FLUX shape, default
     * 256×3072×3072 (-Dratio.m/-Dratio.k/-Dratio.n).
     */
    @Test
    void versusCpu() {
        VulkanDevice vk = VulkanTestDevice.get();
        dev.nibble.engine.spi.Device cpu = dev.nibble.backend.cpu.CpuBackend.fastDevice();
        int m = Integer.getInteger("ratio.m", 256), k = Integer.getInteger("ratio.k", 3072), n = Integer.getInteger("ratio.n", 3072);
        Tensor x = rand(DType.F32, m, k), w = rand(DType.F32, n, k);
        Node lin = node(new Linear(false), x.spec(), w.spec());
        SvdqCases.Case c = SvdqCases.random(m, k, n, 32, 64, true, UnaryFn.IDENTITY, DType.BF16, 3);
        double ops = 2.0 * m * k * n;
        double lc1 = time(cpu, lin, List.of(x, w), 2), lv = time(vk, lin, List.of(x, w), 1), lc2 = time(cpu, lin, List.of(x, w), 2);
        double sc1 = time(cpu, c.node(), c.inputs(), 2), sv = time(vk, c.node(), c.inputs(), 1), sc2 = time(cpu, c.node(), c.inputs(), 2);
        double lc = Math.min(lc1, lc2), sc = Math.min(sc1, sc2);
        System.out.printf(Locale.ROOT, "Linear F32 %dx%dx%d: cpu %.1f GFLOP/s, vulkan %.2f GFLOP/s, vulkan/cpu %.3fx%n",
                m, k, n, ops / lc / 1e9, ops / lv / 1e9, lc / lv);
        System.out.printf(Locale.ROOT, "SvdqLinear r32 g64 %dx%dx%d: cpu %.1f GOP/s, vulkan %.2f GOP/s, vulkan/cpu %.3fx%n",
                m, k, n, ops / sc / 1e9, ops / sv / 1e9, sc / sv);
    }
}
