package dev.nibble.models.flux;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' FluxSingleTransformerBlock ({@code single_transformer_blocks.N}): one stream of text and
 * image tokens; attention and a tanh-GELU MLP run in parallel on the same modulated input and one
 * projection (proj_out) maps their concatenation back.
 */
final class FluxSingleTransformerBlock {
    private FluxSingleTransformerBlock() {
    }

    static Value forward(GraphBuilder g, Weights weights, int index, FluxConfig c, Value x, Value temb, Value cos,
                         Value sin) {
        String name = "single_transformer_blocks." + index;
        try (var s = g.scope(name)) {
            Weights w = weights.under(name);
            AdaLayerNormZeroSingle.Out n = AdaLayerNormZeroSingle.forward(g, w, "norm", x, temb);
            Value mlp = g.unary(UnaryFn.GELU_TANH, Layers.linear(g, w, "proj_mlp", n.x()));
            Value attn = FluxAttention.single(g, w, "attn", c, n.x(), cos, sin);
            Value out = Layers.linear(g, w, "proj_out", g.concat(2, attn, mlp));
            return g.add(x, AdaLayerNormZero.gate(g, n.gate(), out));
        }
    }
}
