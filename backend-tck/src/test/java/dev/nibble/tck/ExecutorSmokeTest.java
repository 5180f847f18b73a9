package dev.nibble.tck;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** y = gelu(x·Wᵀ + b) + x through the executor, against numbers worked out by hand. */
class ExecutorSmokeTest {
    // x·Wᵀ + b = [[1, 2, 2], [0, −2, −1]]; gelu(1) = Φ(1), gelu(±2) = ±2·Φ(±2), gelu(−1) = −Φ(−1)
    private static final float[] EXPECTED = {
        1 + 0.8413447460685429f, 2 + 1.9544997361036416f, 0 + 1.9544997361036416f,
        0 + 0f, -1 - 0.04550026389635842f, 1 - 0.15865525393145707f,
    };

    private static Graph graph() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 2, 3);
        Value w = g.constant("w", Tensor.ofFloats(Shape.of(3, 3), 1, 0, 0, 0, 1, -1, 1, 1, 1));
        Value b = g.constant("b", Tensor.ofFloats(Shape.of(3), 0, 0, -1));
        Value h = g.op(new Linear(true), "proj", x, w, b);
        Value a = g.unary(UnaryFn.GELU, h);
        return g.build(g.add(a, x));
    }

    private static float[] run(Device device, boolean fuse, List<Node> nodesOut) {
        Executor ex = new Executor(device, null, ExecutionOptions.DEFAULT.withStrict(true).withFuse(fuse));
        try (CompiledGraph cg = ex.compile(graph())) {
            nodesOut.addAll(cg.placed().nodes());
            Tensor x = Tensor.ofFloats(Shape.of(2, 3), 1, 2, 0, 0, -1, 1);
            return cg.run(Map.of("x", x)).output(0).toFloatArray();
        }
    }

    @Test
    void referenceDeviceMatchesHandComputedValues() {
        List<Node> nodes = new java.util.ArrayList<>();
        float[] unfused = run(CpuBackend.referenceDevice(), false, nodes);
        assertEquals(3, nodes.size());
        assertArrayEquals(EXPECTED, unfused, 1e-6f);
    }

    @Test
    void linearAndGeluFuseAndGiveTheSameResult() {
        List<Node> nodes = new java.util.ArrayList<>();
        float[] fused = run(CpuBackend.referenceDevice(), true, nodes);
        assertEquals(2, nodes.size(), "Linear+GELU became one node: " + nodes);
        assertTrue(nodes.get(0).op() instanceof Linear l && l.epilogue() == UnaryFn.GELU, nodes.toString());
        assertTrue(nodes.stream().noneMatch(n -> n.op() instanceof Unary));
        // the reference applies the epilogue to the float pre-activation, exactly as the unfused pair
        assertArrayEquals(run(CpuBackend.referenceDevice(), false, new java.util.ArrayList<>()), fused, 0f);
        assertArrayEquals(EXPECTED, fused, 1e-6f);
    }

    @Test
    void fastDeviceAgrees() {
        assertArrayEquals(EXPECTED, run(CpuBackend.fastDevice(), true, new java.util.ArrayList<>()), 1e-6f);
    }
}
