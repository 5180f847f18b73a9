package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Copy;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.UnsupportedNodeException;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Placement: nodes the device cannot run fall back with explicit copies, or fail under strict. */
class PlacementTest {
    private static Graph reluSigmoidRelu() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 4);
        Value a = g.unary(UnaryFn.RELU, x);
        Value b = g.unary(UnaryFn.SIGMOID, a);
        Value c = g.unary(UnaryFn.RELU, b);
        return g.build(c);
    }

    private static final ToyDevice.ToyBuffer NONE = null;

    @Test
    void unsupportedNodeFallsBackWithExplicitCopies() {
        ToyDevice accel = new ToyDevice("accel", n -> n.op() instanceof Unary u && u.fn() == UnaryFn.RELU);
        ToyDevice host = new ToyDevice("host", n -> true);
        CompiledGraph cg = new Executor(accel, host, ExecutionOptions.DEFAULT).compile(reluSigmoidRelu());
        long copies = cg.placed().nodes().stream().filter(n -> n.op() instanceof Copy).count();
        assertEquals(2, copies, "one copy accel→host before sigmoid, one host→accel after it");
        assertEquals(host, cg.placed().deviceOf().get(cg.placed().nodes().stream()
                .filter(n -> n.op() instanceof Unary u && u.fn() == UnaryFn.SIGMOID).findFirst().orElseThrow()));
        Tensor out = cg.run(Map.of("x", Tensor.ofFloats(Shape.of(4), -2, -1, 0, 3))).output(0);
        float[] expected = new float[4];
        float[] in = {-2, -1, 0, 3};
        for (int i = 0; i < 4; i++) {
            expected[i] = (float) (1 / (1 + Math.exp(-Math.max(0, in[i]))));
        }
        assertArrayEquals(expected, out.toFloatArray(), 1e-7f);
        assertTrue(cg.memoryPlan().arenaBytes().containsKey(host) && cg.memoryPlan().arenaBytes().containsKey(accel));
    }

    @Test
    void strictRefusesTheFallbackAndNamesTheOp() {
        ToyDevice accel = new ToyDevice("accel", n -> n.op() instanceof Unary u && u.fn() == UnaryFn.RELU);
        ToyDevice host = new ToyDevice("host", n -> true);
        UnsupportedNodeException e = assertThrows(UnsupportedNodeException.class,
                () -> new Executor(accel, host, ExecutionOptions.DEFAULT.withStrict(true)).compile(reluSigmoidRelu()));
        assertTrue(e.getMessage().contains("Unary.SIGMOID") && e.getMessage().contains("accel")
                && e.getMessage().contains("strict"), e.getMessage());
    }

    @Test
    void aGraphTheDeviceRunsWhollyHasNoCopies() {
        ToyDevice accel = new ToyDevice("accel", n -> true);
        CompiledGraph cg = new Executor(accel, null, ExecutionOptions.DEFAULT).compile(reluSigmoidRelu());
        assertEquals(3, cg.placed().nodes().size());
        Tensor out = cg.run(Map.of("x", Tensor.ofFloats(Shape.of(4), 1, 2, 3, 4))).output(0);
        assertEquals((float) (1 / (1 + Math.exp(-1))), out.getFloat(0), 1e-7f);
    }

    @Test
    void inputsOfFallenBackNodesNeverTouchTheDevice() {
        ToyDevice accel = new ToyDevice("accel", n -> false);
        ToyDevice host = new ToyDevice("host", n -> true);
        CompiledGraph cg = new Executor(accel, host, ExecutionOptions.DEFAULT).compile(reluSigmoidRelu());
        cg.run(Map.of("x", Tensor.ofFloats(Shape.of(4), 1, 2, 3, 4)));
        assertEquals(0, accel.reads + accel.writes);
    }

    @Test
    void wrongInputShapeIsAClearError() {
        ToyDevice accel = new ToyDevice("accel", n -> true);
        CompiledGraph cg = new Executor(accel, null, ExecutionOptions.DEFAULT).compile(reluSigmoidRelu());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cg.run(Map.of("x", Tensor.ofFloats(Shape.of(2), 1, 2))));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void timingRecordsEveryNode() {
        ToyDevice accel = new ToyDevice("accel", n -> true);
        CompiledGraph cg = new Executor(accel, null, ExecutionOptions.DEFAULT.withTiming(true)).compile(reluSigmoidRelu());
        RunResult r = cg.run(Map.of("x", Tensor.ofFloats(Shape.of(4), 1, 2, 3, 4)));
        assertEquals(3, r.timings().size());
    }
}
