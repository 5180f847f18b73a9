package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.spi.DeviceOutOfMemoryException;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Weight streaming under a budget: same results, at most the budget resident, clear error when impossible. */
class WeightBudgetTest {
    private static final int N = 256; // 1 KiB per weight

    /** x + w0 + w1 + ... + w5, each w its own 1 KiB constant; w0 is read again at the end. */
    private static Graph chain() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, N);
        Value h = x;
        Value w0 = null;
        for (int i = 0; i < 6; i++) {
            float[] w = new float[N];
            java.util.Arrays.fill(w, i + 1);
            Value c = g.constant("w" + i, Tensor.ofFloats(Shape.of(N), w));
            w0 = i == 0 ? c : w0;
            h = g.add(h, c);
        }
        h = g.mul(h, w0);
        return g.build(h);
    }

    private static float[] run(long budget, ToyDevice d) {
        try (CompiledGraph cg = new Executor(d, null, ExecutionOptions.DEFAULT.withWeightBudget(budget)).compile(chain())) {
            float[] in = new float[N];
            java.util.Arrays.fill(in, 0.5f);
            float[] first = cg.run(Map.of("x", Tensor.ofFloats(Shape.of(N), in))).output(0).toFloatArray();
            float[] second = cg.run(Map.of("x", Tensor.ofFloats(Shape.of(N), in))).output(0).toFloatArray();
            assertArrayEquals(first, second);
            if (budget > 0) {
                assertTrue(cg.peakResidentWeightBytes().get(d.name()) <= budget,
                        "resident " + cg.peakResidentWeightBytes() + " over budget " + budget);
            } else {
                assertEquals(6L * N * 4, cg.peakResidentWeightBytes().get(d.name()));
                assertEquals(6, cg.weightUploads(), "unbudgeted weights are uploaded once and stay");
            }
            return first;
        }
    }

    @Test
    void budgetedRunsGiveTheSameResultWithinTheBudget() {
        float[] all = run(0, new ToyDevice("accel", n -> true));
        assertEquals((0.5f + 21) * 1, all[0]);
        float[] tight = run(2L * N * 4, new ToyDevice("accel", n -> true));
        float[] one = run(1L * N * 4, new ToyDevice("accel", n -> true));
        assertArrayEquals(all, tight);
        assertArrayEquals(all, one);
    }

    @Test
    void aBudgetBelowOneNodesWeightsIsAClearError() {
        DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class, () ->
                new Executor(new ToyDevice("accel", n -> true), null, ExecutionOptions.DEFAULT.withWeightBudget(100))
                        .compile(chain()));
        assertTrue(e.getMessage().contains("weight budget"), e.getMessage());
    }
}
