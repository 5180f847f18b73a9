package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The planner's peak on hand-built graphs equals the value computed by hand in each comment. */
class MemoryPlannerTest {
    private static final int KIB = 1024;

    private static MemoryPlan plan(Graph g) {
        return MemoryPlanner.plan(g.nodes(), g.inputs(), g.outputs(), g.constants().keySet(), v -> "arena");
    }

    /** x → relu → relu → relu: two 1 KiB values live at every step → 2 KiB, and two slots suffice. */
    @Test
    void chainNeedsTwoBuffers() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 256);
        Value h = x;
        for (int i = 0; i < 3; i++) {
            h = g.unary(UnaryFn.RELU, h);
        }
        MemoryPlan p = plan(g.build(h));
        assertEquals(2 * KIB, p.peakLiveBytes().get("arena"));
        assertEquals(2 * KIB, p.arenaBytes().get("arena"));
    }

    /** x → a, x → b, a + b: at step 1 x, a, b are live and at step 2 a, b, c → 3 KiB. */
    @Test
    void diamondNeedsThreeBuffers() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 256);
        Value a = g.unary(UnaryFn.RELU, x);
        Value b = g.unary(UnaryFn.SIGMOID, x);
        Value c = g.add(a, b);
        MemoryPlan p = plan(g.build(c));
        assertEquals(3 * KIB, p.peakLiveBytes().get("arena"));
        assertEquals(3 * KIB, p.arenaBytes().get("arena"));
    }

    /**
     * h1 stays live across four steps for the final skip add: steps hold {x,h1}, {h1,h2}, {h1,h2,h3},
     * {h1,h3,h4}, {h1,h4,out} → 3 KiB.
     */
    @Test
    void longSkipKeepsItsSourceAlive() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 256);
        Value h1 = g.unary(UnaryFn.RELU, x);
        Value h = h1;
        for (int i = 0; i < 3; i++) {
            h = g.unary(UnaryFn.SIGMOID, h);
        }
        Value out = g.add(h, h1);
        MemoryPlan p = plan(g.build(out));
        assertEquals(3 * KIB, p.peakLiveBytes().get("arena"));
        assertEquals(3 * KIB, p.arenaBytes().get("arena"));
        assertNoOverlaps(g.build(out), p);
    }

    /** Mixed sizes: x (1 KiB) → concat(x, x) (2 KiB) → relu (2 KiB) → slice (1 KiB): step 1 holds 4 KiB. */
    @Test
    void mixedSizesPeakAtTheWidestStep() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 256);
        Value y = g.concat(0, x, x);
        Value z = g.unary(UnaryFn.RELU, y);
        Value w = g.slice(z, 0, 0, 256);
        MemoryPlan p = plan(g.build(w));
        assertEquals(4 * KIB, p.peakLiveBytes().get("arena"));
        assertEquals(4 * KIB, p.arenaBytes().get("arena"));
    }

    /** Sizes round up to the 64-byte alignment: 3 floats take 64 bytes. */
    @Test
    void sizesAreAligned() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 3);
        MemoryPlan p = plan(g.build(g.unary(UnaryFn.RELU, x)));
        assertEquals(128, p.peakLiveBytes().get("arena"));
    }

    /** Values live at the same time never share bytes (checked on a random-ish deeper graph too). */
    @Test
    void liveValuesNeverOverlap() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 64);
        List<Value> vals = new ArrayList<>(List.of(x));
        for (int i = 0; i < 40; i++) {
            Value a = vals.get((i * 7) % vals.size());
            Value b = vals.get((i * 3 + 1) % vals.size());
            vals.add(i % 3 == 0 ? g.add(a, b) : g.unary(UnaryFn.values()[1 + i % 8], a));
        }
        Graph graph = g.build(vals.get(vals.size() - 1), vals.get(5));
        MemoryPlan p = plan(graph);
        assertNoOverlaps(graph, p);
        assertTrue(p.arenaBytes().get("arena") >= p.peakLiveBytes().get("arena"));
    }

    private static void assertNoOverlaps(Graph g, MemoryPlan p) {
        List<Node> nodes = g.nodes();
        Set<Value> outs = Set.copyOf(g.outputs());
        java.util.Map<Value, int[]> live = new java.util.HashMap<>();
        for (Value in : g.inputs()) {
            live.put(in, new int[]{0, 0});
        }
        for (int i = 0; i < nodes.size(); i++) {
            for (Value in : nodes.get(i).inputs()) {
                live.get(in)[1] = i;
            }
            for (Value o : nodes.get(i).outputs()) {
                live.put(o, new int[]{i, i});
            }
        }
        outs.forEach(o -> live.get(o)[1] = nodes.size() - 1);
        List<Value> all = new ArrayList<>(live.keySet());
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                Value a = all.get(i), b = all.get(j);
                int[] la = live.get(a), lb = live.get(b);
                if (la[0] <= lb[1] && lb[0] <= la[1]) {
                    long oa = p.offsets().get(a), ob = p.offsets().get(b);
                    long ea = oa + MemoryPlanner.align(a.spec().byteSize()), eb = ob + MemoryPlanner.align(b.spec().byteSize());
                    assertTrue(ea <= ob || eb <= oa, a + " and " + b + " overlap");
                }
            }
        }
    }
}
