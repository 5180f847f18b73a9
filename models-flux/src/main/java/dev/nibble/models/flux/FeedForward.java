package dev.nibble.models.flux;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/** diffusers' FeedForward(activation_fn="gelu-approximate"): net.0.proj → tanh-GELU → net.2. */
final class FeedForward {
    private FeedForward() {
    }

    static Value forward(GraphBuilder g, Weights w, String name, Value x) {
        try (var s = g.scope(name)) {
            Weights fw = w.under(name);
            Value h = g.unary(UnaryFn.GELU_TANH, Layers.linear(g, fw, "net.0.proj", x));
            return Layers.linear(g, fw, "net.2", h);
        }
    }
}
