package dev.nibble.models.flux;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' FluxTransformerBlock ({@code transformer_blocks.N}): the double-stream block. Image and
 * text tokens keep separate weights (norm1/norm1_context, ff/ff_context) and meet only in the joint
 * attention.
 */
final class FluxTransformerBlock {
    /** The updated streams, each [B, L, D]. */
    record Out(Value image, Value text) {}

    private FluxTransformerBlock() {
    }

    static Out forward(GraphBuilder g, Weights weights, int index, FluxConfig c, Value img, Value txt, Value temb,
                       Value cos, Value sin) {
        String name = "transformer_blocks." + index;
        try (var s = g.scope(name)) {
            Weights w = weights.under(name);
            AdaLayerNormZero.Out ni = AdaLayerNormZero.forward(g, w, "norm1", img, temb);
            AdaLayerNormZero.Out nt = AdaLayerNormZero.forward(g, w, "norm1_context", txt, temb);
            FluxAttention.Joint a = FluxAttention.joint(g, w, "attn", c, ni.x(), nt.x(), cos, sin);

            img = g.add(img, AdaLayerNormZero.gate(g, ni.gateMsa(), a.image()));
            Value ffIn = AdaLayerNormZero.normModulate(g, "norm2", img, ni.scaleMlp(), ni.shiftMlp());
            img = g.add(img, AdaLayerNormZero.gate(g, ni.gateMlp(), FeedForward.forward(g, w, "ff", ffIn)));

            txt = g.add(txt, AdaLayerNormZero.gate(g, nt.gateMsa(), a.text()));
            Value ffcIn = AdaLayerNormZero.normModulate(g, "norm2_context", txt, nt.scaleMlp(), nt.shiftMlp());
            txt = g.add(txt, AdaLayerNormZero.gate(g, nt.gateMlp(), FeedForward.forward(g, w, "ff_context", ffcIn)));
            return new Out(img, txt);
        }
    }
}
