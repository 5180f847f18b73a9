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
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU-device kernels' packed weights ({@link PackCache}) follow the weight memory: new contents
 * written into the same buffer are repacked, kernels sharing a weight share one packed copy.
 */
class OpenClPackCacheTest {
    @Test
    void linearRepacksWeightsWrittenIntoTheSameBuffer() {
        OpenClDevice d = OpenClTestSupport.device();
        assertTrue(d.tuning().cpuKernels(), "PoCL's CPU device runs the CPU kernels");
        SplittableRandom rnd = new SplittableRandom(3);
        int m = 9, k = 70, n = 45;
        Tensor x = random(DType.F32, Shape.of(m, k), rnd);
        Tensor w1 = random(DType.F32, Shape.of(n, k), rnd);
        Tensor w2 = random(DType.F32, Shape.of(n, k), rnd);
        Node node = linearNode(x.spec(), w1.spec());
        Kernel kernel = d.compile(node);
        try (DeviceBuffer bx = d.upload(x); DeviceBuffer bw = d.upload(w1);
             DeviceBuffer by = d.allocate((long) m * n * 4)) {
            assertClose(reference(node, List.of(x, w1)), run(d, kernel, List.of(bx, bw), by, m * n));
            assertClose(reference(node, List.of(x, w1)), run(d, kernel, List.of(bx, bw), by, m * n));
            d.write(bw, w2.data());
            assertClose(reference(node, List.of(x, w2)), run(d, kernel, List.of(bx, bw), by, m * n));
            // a second kernel on the same weight memory shares the packed copy
            long before = d.allocatorStats().inUseBytes();
            Kernel other = d.compile(node);
            assertClose(reference(node, List.of(x, w2)), run(d, other, List.of(bx, bw), by, m * n));
            assertEquals(before, d.allocatorStats().inUseBytes(), "no second packed copy");
        }
    }

    @Test
    void packedCopiesGoWithTheirWeightsUnderAWeightBudget() {
        OpenClDevice d = OpenClTestSupport.device();
        SplittableRandom rnd = new SplittableRandom(5);
        int m = 8, k = 256, layers = 6;
        long weightBytes = 4L * k * k;
        long budget = 2 * weightBytes; // two of the six layers' weights at a time
        dev.nibble.engine.graph.GraphBuilder g = new dev.nibble.engine.graph.GraphBuilder();
        Value v = g.input("x", DType.F32, m, k);
        for (int i = 0; i < layers; i++) {
            v = g.op(new Linear(false), "linear" + i, v, g.constant("w" + i, random(DType.F32, Shape.of(k, k), rnd)));
        }
        dev.nibble.engine.graph.Graph graph = g.build(v);
        Tensor x = random(DType.F32, Shape.of(m, k), rnd);
        long before = d.allocatorStats().inUseBytes();
        try (dev.nibble.engine.exec.CompiledGraph budgeted = new dev.nibble.engine.exec.Executor(d, null,
                dev.nibble.engine.exec.ExecutionOptions.DEFAULT.withWeightBudget(budget)).compile(graph);
             dev.nibble.engine.exec.CompiledGraph resident = new dev.nibble.engine.exec.Executor(
                     CpuBackend.referenceDevice(), null, dev.nibble.engine.exec.ExecutionOptions.DEFAULT).compile(graph)) {
            float[] want = resident.run(java.util.Map.of("x", x)).outputs().get(0).toFloatArray();
            for (int run = 0; run < 2; run++) {
                float[] got = budgeted.run(java.util.Map.of("x", x)).outputs().get(0).toFloatArray();
                assertClose(want, got);
                long held = d.allocatorStats().inUseBytes() - before;
                long arena = budgeted.memoryPlan().totalArenaBytes();
                // resident weights ≤ budget, and each resident weight has at most one packed copy (+ its state)
                long bound = arena + 2 * budget + 2L * 4 * (1 + PackCache.SAMPLES) + 64 * 4;
                assertTrue(held <= bound, "run " + run + ": " + held + " bytes held on the device, bound " + bound
                        + " (six layers' packed weights alone would be " + layers * weightBytes + ")");
            }
        }
    }

    @Test
    void svdqRepacksALayerWrittenIntoTheSameBuffers() {
        OpenClDevice d = OpenClTestSupport.device();
        SvdqCases.Case a = SvdqCases.random(7, 72, 65, 8, 64, true, UnaryFn.IDENTITY, DType.F32, 11);
        SvdqCases.Case b = SvdqCases.random(7, 72, 65, 8, 64, true, UnaryFn.IDENTITY, DType.F32, 12);
        Kernel kernel = d.compile(a.node());
        int outN = (int) a.output().shape().numel();
        List<DeviceBuffer> ins = new ArrayList<>();
        for (Tensor t : a.inputs()) {
            ins.add(d.upload(t));
        }
        try (DeviceBuffer by = d.allocate(outN * 4L)) {
            float[] ya = run(d, kernel, ins, by, outN);
            assertClose(a.run(CpuBackend.referenceDevice().compile(a.node())).toFloatArray(), ya);
            for (int i = 0; i < ins.size(); i++) { // every tensor of b, the constants included
                d.write(ins.get(i), b.inputs().get(i).data());
            }
            float[] yb = run(d, kernel, ins, by, outN);
            assertClose(b.run(CpuBackend.referenceDevice().compile(b.node())).toFloatArray(), yb);
        } finally {
            ins.forEach(DeviceBuffer::close);
        }
    }

    private static Node linearNode(TensorSpec x, TensorSpec w) {
        Linear op = new Linear(false, UnaryFn.IDENTITY);
        TensorSpec y = op.infer(List.of(x, w)).getFirst();
        return new Node(0, op, List.of(new Value(0, x, "x"), new Value(1, w, "w")), List.of(new Value(2, y, "y")), "lin");
    }

    private static float[] reference(Node node, List<Tensor> in) {
        Tensor y = Tensor.zeros(DType.F32, node.output().spec().shape());
        CpuBackend.referenceDevice().compile(node).run(
                in.stream().map(t -> (DeviceBuffer) HostBuffer.view(t.data())).toList(), List.of(HostBuffer.view(y.data())));
        return y.toFloatArray();
    }

    private static float[] run(OpenClDevice d, Kernel k, List<DeviceBuffer> ins, DeviceBuffer out, int count) {
        k.run(ins, List.of(out));
        d.synchronize();
        Tensor y = Tensor.zeros(DType.F32, Shape.of(count));
        d.read(out, y.data());
        return y.toFloatArray();
    }

    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        double max = 0, diff = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(diff <= 1e-4 * (1 + max), "max |Δ| " + diff + " (max |y| " + max + ")");
    }

    private static Tensor random(DType dt, Shape s, SplittableRandom rnd) {
        Tensor t = Tensor.zeros(dt, s);
        for (long i = 0; i < s.numel(); i++) {
            t.setFloat(i, (float) rnd.nextGaussian());
        }
        return t;
    }
}
