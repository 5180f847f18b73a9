package dev.nibble.backend.opencl;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A small graph (linear → gelu → layernorm) through the executor on OpenCL against the CPU reference. */
class OpenClExecutorTest {
    private static Tensor random(DType t, SplittableRandom rnd, double std, int... dims) {
        Tensor x = Tensor.zeros(t, Shape.of(dims));
        for (long i = 0; i < x.numel(); i++) {
            x.setFloat(i, (float) (rnd.nextGaussian() * std));
        }
        return x;
    }

    private static Graph graph() {
        SplittableRandom rnd = new SplittableRandom(7);
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 2, 9, 48);
        Value w = g.constant("proj.weight", random(DType.BF16, rnd, 1 / Math.sqrt(48), 80, 48));
        Value b = g.constant("proj.bias", random(DType.F32, rnd, 0.5, 80));
        Value lnW = g.constant("norm.weight", random(DType.F32, rnd, 1, 80));
        Value lnB = g.constant("norm.bias", random(DType.F32, rnd, 0.2, 80));
        Value h = g.op(new Linear(true), "proj", x, w, b);
        Value a = g.unary(UnaryFn.GELU, h);
        Value y = g.op(new LayerNorm(1e-5f, true, true), "norm", a, lnW, lnB);
        return g.build(y);
    }

    @Test
    void linearGeluLayerNormMatchesTheReference() {
        Device cl = OpenClTestSupport.device();
        Graph graph = graph();
        Tensor x = random(DType.F32, new SplittableRandom(11), 1, 2, 9, 48);

        float[] expected;
        try (CompiledGraph ref = new Executor(CpuBackend.referenceDevice(), null,
                ExecutionOptions.DEFAULT.withFuse(false)).compile(graph)) {
            expected = ref.run(Map.of("x", x)).output(0).toFloatArray();
        }

        try (CompiledGraph cg = new Executor(cl, CpuBackend.referenceDevice(), ExecutionOptions.DEFAULT.withStrict(true))
                .compile(graph)) {
            // strict: every node runs on OpenCL; fuse: the GELU became the linear's epilogue
            for (Node n : cg.placed().nodes()) {
                assertEquals(cl, cg.placed().deviceOf().get(n), n + " placed off the OpenCL device");
            }
            assertEquals(2, cg.placed().nodes().size(), "linear+gelu fused, then layernorm: " + cg.placed().nodes());
            assertTrue(cg.placed().nodes().get(0).op() instanceof Linear l && l.epilogue() == UnaryFn.GELU);

            for (int run = 0; run < 2; run++) { // a second run reuses the arena and resident weights
                Tensor y = cg.run(Map.of("x", x)).output(0);
                assertEquals(Shape.of(2, 9, 80), y.shape());
                float[] actual = y.toFloatArray();
                double maxDiff = 0;
                for (int i = 0; i < actual.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
                }
                assertTrue(maxDiff < 2e-4, "max |Δ| " + maxDiff);
            }
            assertTrue(cl.allocatorStats().highWaterBytes() > 0);
        }
    }
}
