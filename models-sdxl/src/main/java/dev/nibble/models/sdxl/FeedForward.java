package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Geglu;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' FeedForward with activation_fn "geglu" (BasicTransformerBlock's default): net.0 = GEGLU
 * (proj to 2·inner, then hidden · gelu(gate) with the exact erf GELU), net.1 dropout, net.2 back to dim.
 * inner = dim · mult (4).
 */
final class FeedForward {
    static final int MULT = 4;

    private FeedForward() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x) {
        int dim = x.spec().shape().last();
        Value h;
        try (var s = g.scope("net.0")) {
            h = geglu(g, w.under("net.0"), x, dim * MULT);
        }
        return Layers.linear(g, w, "net.2", h, dim);
    }

    /** GEGLU: proj(x).chunk(2, -1) → hidden · gelu(gate). */
    static Value geglu(GraphBuilder g, Weights w, Value x, int inner) {
        Value p = Layers.linear(g, w, "proj", x, 2 * inner);
        return g.op(new Geglu(), "gelu", p);
    }
}
