package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' TimestepEmbedding (time_embedding, add_embedding): linear_1 → act → linear_2. The U-Net
 * configs handled here have no cond_proj and no post_act (rejected in the config).
 */
final class TimestepEmbedding {
    private TimestepEmbedding() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, int timeEmbedDim, UnaryFn act) {
        Value h = Layers.linear(g, w, "linear_1", x, timeEmbedDim);
        h = g.unary(act, h);
        return Layers.linear(g, w, "linear_2", h, timeEmbedDim);
    }
}
