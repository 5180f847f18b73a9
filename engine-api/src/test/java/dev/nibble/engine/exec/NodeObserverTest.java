package dev.nibble.engine.exec;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** An observer sees host copies of exactly the nodes it asks for. */
class NodeObserverTest {
    @Test
    void observerSeesTheInputsAndOutputsOfWantedNodes() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 3);
        Value a = g.op(new Unary(UnaryFn.RELU), "first", x);
        Value b = g.op(new Unary(UnaryFn.EXP), "second", a);
        CompiledGraph cg = new Executor(new ToyDevice("accel", n -> true), null, ExecutionOptions.DEFAULT).compile(g.build(b));
        List<float[]> seen = new ArrayList<>();
        cg.observe(new NodeObserver() {
            @Override
            public boolean wants(Node node) {
                return node.name().equals("second");
            }

            @Override
            public void observe(Node node, List<Tensor> inputs, List<Tensor> outputs) {
                seen.add(inputs.get(0).toFloatArray());
                seen.add(outputs.get(0).toFloatArray());
            }
        });
        cg.run(Map.of("x", Tensor.ofFloats(Shape.of(3), -1, 0, 2)));
        assertEquals(2, seen.size());
        assertArrayEquals(new float[]{0, 0, 2}, seen.get(0));
        assertArrayEquals(new float[]{1, 1, (float) Math.exp(2)}, seen.get(1), 1e-6f);
    }
}
