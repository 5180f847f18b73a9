package dev.nibble.models.common.t5;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * An encoder T5Block: layer.0 = T5LayerSelfAttention (x + attn(rms(x))), layer.1 = T5LayerFF
 * (x + ff(rms(x))). The fp16 clamping of transformers is a no-op in float32 and left out.
 */
final class T5Block {
    private T5Block() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, Value positionBias, T5Config cfg) {
        try (var s = g.scope("layer.0")) {
            Weights lw = w.under("layer.0");
            Value h = Layers.rmsNormAffine(g, lw, "layer_norm", x, cfg.layerNormEpsilon());
            try (var a = g.scope("SelfAttention")) {
                h = T5Attention.forward(g, lw.under("SelfAttention"), h, positionBias, cfg);
            }
            x = g.add(x, h);
        }
        try (var s = g.scope("layer.1")) {
            Weights lw = w.under("layer.1");
            Value h = Layers.rmsNormAffine(g, lw, "layer_norm", x, cfg.layerNormEpsilon());
            try (var f = g.scope("DenseReluDense")) {
                h = T5FeedForward.forward(g, lw.under("DenseReluDense"), h, cfg);
            }
            return g.add(x, h);
        }
    }
}
