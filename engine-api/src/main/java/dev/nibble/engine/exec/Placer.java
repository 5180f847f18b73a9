package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Copy;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.spi.UnsupportedNodeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stage 1: puts every node on the chosen device, or on the fallback (CPU) device when the chosen
 * one cannot run it, and inserts an explicit copy node wherever a value crosses devices. Each
 * distinct fallback (device, op, reason) is logged once per process.
 */
public final class Placer {
    private static final Logger LOG = LoggerFactory.getLogger(Placer.class);
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private Placer() {
    }

    public static PlacedGraph place(Graph graph, Device primary, Device fallback, boolean strict) {
        Map<Node, Device> deviceOf = new HashMap<>();
        Map<Value, Device> homeOf = new HashMap<>();
        List<Node> ordered = new ArrayList<>();
        Set<Node> transfers = new HashSet<>();
        Map<Value, Map<Device, Value>> copies = new HashMap<>();
        int nextValue = maxValueId(graph) + 1;
        int nextNode = graph.nodes().stream().mapToInt(Node::id).max().orElse(-1) + 1;

        for (Node node : graph.nodes()) {
            Device d = primary;
            Support s = primary.supports(node);
            if (!s.supported()) {
                if (strict || fallback == null || fallback == primary) {
                    throw new UnsupportedNodeException("device " + primary.name() + " cannot run " + node
                            + " (" + node.op() + "): " + s.reason()
                            + (strict ? "; --strict forbids falling back to the CPU" : ""));
                }
                Support fs = fallback.supports(node);
                if (!fs.supported()) {
                    throw new UnsupportedNodeException("neither " + primary.name() + " (" + s.reason() + ") nor "
                            + fallback.name() + " (" + fs.reason() + ") can run " + node + " (" + node.op() + ")");
                }
                String key = primary.name() + "|" + node.op().opName() + "|" + s.reason();
                if (LOGGED.add(key)) {
                    LOG.warn("{} cannot run {} ({}); running it on {} with explicit copies",
                            primary.name(), node.op().opName(), s.reason(), fallback.name());
                }
                d = fallback;
            }
            List<Value> inputs = new ArrayList<>(node.inputs().size());
            for (Value in : node.inputs()) {
                if (graph.constants().containsKey(in)) {
                    inputs.add(in); // constants are uploaded to every device that reads them
                    continue;
                }
                Device node0 = d;
                // a graph input starts on the device of its first reader, so inputs of a fallen-back
                // node never touch a device that runs none of the graph
                Device home = homeOf.computeIfAbsent(in, v -> node0);
                if (home == d) {
                    inputs.add(in);
                    continue;
                }
                Map<Device, Value> perDevice = copies.computeIfAbsent(in, v -> new HashMap<>());
                Value copied = perDevice.get(d);
                if (copied == null) {
                    copied = new Value(nextValue++, in.spec(), in.name());
                    Node copy = new Node(nextNode++, new Copy(), List.of(in), List.of(copied),
                            "copy " + home.name() + " -> " + d.name());
                    ordered.add(copy);
                    deviceOf.put(copy, d);
                    homeOf.put(copied, d);
                    transfers.add(copy);
                    perDevice.put(d, copied);
                }
                inputs.add(copied);
            }
            Node placed = inputs.equals(node.inputs()) ? node
                    : new Node(node.id(), node.op(), inputs, node.outputs(), node.name());
            ordered.add(placed);
            deviceOf.put(placed, d);
            for (Value out : node.outputs()) {
                homeOf.put(out, d);
            }
        }
        for (Value in : graph.inputs()) {
            homeOf.putIfAbsent(in, primary);
        }
        return new PlacedGraph(graph, ordered, deviceOf, homeOf, transfers);
    }

    private static int maxValueId(Graph g) {
        int max = -1;
        for (Value v : g.inputs()) {
            max = Math.max(max, v.id());
        }
        for (Value v : g.constants().keySet()) {
            max = Math.max(max, v.id());
        }
        for (Node n : g.nodes()) {
            for (Value v : n.outputs()) {
                max = Math.max(max, v.id());
            }
        }
        return max;
    }
}
