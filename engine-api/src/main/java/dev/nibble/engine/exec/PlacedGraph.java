package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.spi.Device;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A graph after placement: nodes in run order (with the copy nodes placement added), the device
 * of every node, the device holding every non-constant value, and which nodes are cross-device
 * copies (run by the executor itself, not by a kernel).
 */
public record PlacedGraph(Graph graph, List<Node> nodes, Map<Node, Device> deviceOf, Map<Value, Device> homeOf,
                          Set<Node> transfers) {
    public PlacedGraph {
        nodes = List.copyOf(nodes);
        deviceOf = Map.copyOf(deviceOf);
        homeOf = Map.copyOf(homeOf);
        transfers = Set.copyOf(transfers);
    }
}
