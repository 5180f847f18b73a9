package dev.nibble.models.common.t5;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/** T5DenseGatedActDense (act(wi_0 x) · wi_1 x → wo) or T5DenseActDense (act(wi x) → wo); no biases. */
final class T5FeedForward {
    private T5FeedForward() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, T5Config cfg) {
        Value h;
        if (cfg.gatedAct()) {
            Value gate = g.unary(cfg.activation(), Layers.linear(g, w, "wi_0", x, cfg.dFf()));
            h = g.mul(gate, Layers.linear(g, w, "wi_1", x, cfg.dFf()));
        } else {
            h = g.unary(cfg.activation(), Layers.linear(g, w, "wi", x, cfg.dFf()));
        }
        return Layers.linear(g, w, "wo", h, cfg.dModel());
    }
}
