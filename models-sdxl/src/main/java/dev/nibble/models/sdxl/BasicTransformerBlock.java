package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' BasicTransformerBlock with norm_type "layer_norm" (pre-LN, eps 1e-5, affine):
 * x += attn1(norm1(x)); x += attn2(norm2(x), context); x += ff(norm3(x)).
 */
final class BasicTransformerBlock {
    static final float NORM_EPS = 1e-5f;

    private BasicTransformerBlock() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, Value context, int heads, int headDim) {
        Value h = Layers.layerNormAffine(g, w, "norm1", x, NORM_EPS);
        try (var s = g.scope("attn1")) {
            h = CrossAttention.forward(g, w.under("attn1"), h, null, heads, headDim);
        }
        x = g.add(h, x);
        h = Layers.layerNormAffine(g, w, "norm2", x, NORM_EPS);
        try (var s = g.scope("attn2")) {
            h = CrossAttention.forward(g, w.under("attn2"), h, context, heads, headDim);
        }
        x = g.add(h, x);
        h = Layers.layerNormAffine(g, w, "norm3", x, NORM_EPS);
        try (var s = g.scope("ff")) {
            h = FeedForward.forward(g, w.under("ff"), h);
        }
        return g.add(h, x);
    }
}
