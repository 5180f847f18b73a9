package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.Device;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stage 2: pattern rewrites. Today one rule: a Linear or SvdqLinear whose only reader is an
 * activation on the same device becomes one node with that activation as its epilogue (one write
 * of the output instead of a write, a read and a write), when the device supports the fused node.
 */
public final class Fuser {
    private Fuser() {
    }

    public static PlacedGraph fuse(PlacedGraph pg) {
        Map<Value, List<Node>> readers = new HashMap<>();
        for (Node n : pg.nodes()) {
            for (Value v : n.inputs()) {
                readers.computeIfAbsent(v, k -> new ArrayList<>()).add(n);
            }
        }
        Set<Value> graphOutputs = new HashSet<>(pg.graph().outputs());
        Map<Node, Node> replaced = new HashMap<>();
        Set<Node> removed = new HashSet<>();
        for (Node n : pg.nodes()) {
            if (removed.contains(n) || pg.transfers().contains(n) || n.outputs().size() != 1) {
                continue;
            }
            List<Node> r = readers.getOrDefault(n.output(), List.of());
            if (r.size() != 1 || graphOutputs.contains(n.output())) {
                continue;
            }
            Node act = r.get(0);
            if (!(act.op() instanceof Unary u) || pg.deviceOf().get(act) != pg.deviceOf().get(n)) {
                continue;
            }
            Op fusedOp = withEpilogue(n.op(), u.fn());
            if (fusedOp == null) {
                continue;
            }
            Node fused = new Node(n.id(), fusedOp, n.inputs(), act.outputs(), n.name());
            Device d = pg.deviceOf().get(n);
            if (!d.supports(fused).supported()) {
                continue;
            }
            replaced.put(n, fused);
            removed.add(act);
        }
        if (replaced.isEmpty()) {
            return pg;
        }
        List<Node> nodes = new ArrayList<>();
        Map<Node, Device> deviceOf = new HashMap<>();
        for (Node n : pg.nodes()) {
            if (removed.contains(n)) {
                continue;
            }
            Node m = replaced.getOrDefault(n, n);
            nodes.add(m);
            deviceOf.put(m, pg.deviceOf().get(n));
        }
        return new PlacedGraph(pg.graph(), nodes, deviceOf, pg.homeOf(), pg.transfers());
    }

    private static Op withEpilogue(Op op, UnaryFn fn) {
        return switch (op) {
            case Linear l when l.epilogue() == UnaryFn.IDENTITY -> new Linear(l.hasBias(), fn);
            case SvdqLinear s when s.epilogue() == UnaryFn.IDENTITY -> new SvdqLinear(s.groupSize(), s.hasBias(), fn);
            default -> null;
        };
    }
}
