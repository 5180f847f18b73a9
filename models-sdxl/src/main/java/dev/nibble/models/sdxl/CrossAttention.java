package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.AttentionHeads;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' Attention with AttnProcessor2_0 as BasicTransformerBlock builds it: to_q on the tokens, to_k
 * and to_v on the context (the tokens themselves for attn1), scaled dot-product attention with scale
 * dim_head^-0.5 and no mask, to_out.0 (to_out.1 is dropout). Biases are used where stored (the U-Net's
 * q/k/v have none, to_out.0 has one). upcast_attention changes nothing in float32.
 */
final class CrossAttention {
    private CrossAttention() {
    }

    /** @param context encoder_hidden_states [B, Lk, cross_dim], or null for self-attention */
    static Value forward(GraphBuilder g, Weights w, Value x, Value context, int heads, int headDim) {
        int queryDim = x.spec().shape().last();
        int inner = heads * headDim;
        Value kv = context == null ? x : context;
        Value q = AttentionHeads.split(g, Layers.linear(g, w, "to_q", x, inner), heads);
        Value k = AttentionHeads.split(g, Layers.linear(g, w, "to_k", kv, inner), heads);
        Value v = AttentionHeads.split(g, Layers.linear(g, w, "to_v", kv, inner), heads);
        Value o = g.attention(q, k, v, null, (float) Math.pow(headDim, -0.5), false);
        return Layers.linear(g, w, "to_out.0", AttentionHeads.merge(g, o), queryDim);
    }
}
