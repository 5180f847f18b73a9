package dev.nibble.engine.graph;

import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.ShapeException;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shape inference runs as the graph is built, and errors name the module path. */
class GraphBuilderTest {
    @Test
    void linearInfersItsOutputShape() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 2, 5, 7);
        Value w = g.constant("w", Tensor.zeros(DType.BF16, Shape.of(3, 7)));
        Value y = g.op(new Linear(false), "proj", x, w);
        assertEquals(Shape.of(2, 5, 3), y.spec().shape());
    }

    @Test
    void mismatchNamesTheModuleAndShapes() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 2, 8);
        Value w = g.constant("w", Tensor.zeros(DType.F32, Shape.of(3, 7)));
        ShapeException e;
        try (var s = g.scope("transformer_blocks.0")) {
            e = assertThrows(ShapeException.class, () -> g.op(new Linear(false), "attn.to_q", x, w));
        }
        assertTrue(e.getMessage().startsWith("transformer_blocks.0.attn.to_q: Linear"), e.getMessage());
        assertTrue(e.getMessage().contains("K=8") && e.getMessage().contains("K=7"), e.getMessage());
    }

    @Test
    void broadcastingFollowsNumpy() {
        GraphBuilder g = new GraphBuilder();
        Value a = g.input("a", DType.F32, 2, 1, 4);
        Value b = g.input("b", DType.F32, 3, 1);
        assertEquals(Shape.of(2, 3, 4), g.add(a, b).spec().shape());
        Value c = g.input("c", DType.F32, 3, 5);
        assertThrows(ShapeException.class, () -> g.add(a, c));
    }

    @Test
    void chunkSplitsEvenly() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 2, 12);
        var parts = g.chunk(x, 3, 1);
        assertEquals(3, parts.size());
        assertEquals(Shape.of(2, 4), parts.get(2).spec().shape());
        assertThrows(ShapeException.class, () -> g.chunk(x, 5, 1));
    }
}
