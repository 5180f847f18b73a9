package dev.nibble.models.common.clip;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.AttentionHeads;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * CLIPAttention: multi-head self-attention, scale head_dim^-0.5; causal for the text tower, over all
 * positions for the vision tower ({@link ClipEncoderConfig#causal()}).
 */
final class ClipAttention {
    private ClipAttention() {
    }

    /** @param mask additive padding mask [B, 1, 1, L] or null; the causal mask applies when the config says so */
    static Value forward(GraphBuilder g, Weights w, Value x, Value mask, ClipEncoderConfig cfg) {
        int d = cfg.hiddenSize();
        int heads = cfg.numAttentionHeads();
        Value q = AttentionHeads.split(g, Layers.linear(g, w, "q_proj", x, d), heads);
        Value k = AttentionHeads.split(g, Layers.linear(g, w, "k_proj", x, d), heads);
        Value v = AttentionHeads.split(g, Layers.linear(g, w, "v_proj", x, d), heads);
        float scale = (float) Math.pow(cfg.headDim(), -0.5);
        Value o = g.attention(q, k, v, mask, scale, cfg.causal());
        return Layers.linear(g, w, "out_proj", AttentionHeads.merge(g, o), d);
    }
}
