package dev.nibble.models.common.clip;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/** CLIPEncoderLayer, pre-LN: x + attn(ln1(x)), then x + mlp(ln2(x)); shared by the text and vision towers. */
final class ClipEncoderLayer {
    private ClipEncoderLayer() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, Value mask, ClipEncoderConfig cfg) {
        Value h = Layers.layerNormAffine(g, w, "layer_norm1", x, cfg.layerNormEps());
        try (var s = g.scope("self_attn")) {
            h = ClipAttention.forward(g, w.under("self_attn"), h, mask, cfg);
        }
        x = g.add(x, h);
        h = Layers.layerNormAffine(g, w, "layer_norm2", x, cfg.layerNormEps());
        try (var s = g.scope("mlp")) {
            h = ClipMlp.forward(g, w.under("mlp"), h, cfg);
        }
        return g.add(x, h);
    }
}
