package dev.nibble.models.common.clip;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/** CLIPMLP: fc1 → hidden_act → fc2. */
final class ClipMlp {
    private ClipMlp() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, ClipEncoderConfig cfg) {
        Value h = Layers.linear(g, w, "fc1", x, cfg.intermediateSize());
        h = g.unary(cfg.activation(), h);
        return Layers.linear(g, w, "fc2", h, cfg.hiddenSize());
    }
}
