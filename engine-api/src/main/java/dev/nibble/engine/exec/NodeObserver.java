package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.tensor.Tensor;

import java.util.List;

/**
 * Watches chosen nodes of a running graph: after each node it {@link #wants}, it receives host
 * copies of the node's inputs (non-constant ones; constants are null) and outputs. Used for
 * calibration (the quantiser collects every linear layer's input rows) and debugging. Costs a
 * device-to-host copy per watched value; nothing is copied for nodes it does not want.
 */
public interface NodeObserver {
    boolean wants(Node node);

    void observe(Node node, List<Tensor> inputs, List<Tensor> outputs);
}
