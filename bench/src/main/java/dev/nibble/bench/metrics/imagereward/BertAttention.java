package dev.nibble.bench.metrics.imagereward;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.AttentionHeads;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * BLIP's {@code BertAttention} ({@code models/med.py}): {@code BertSelfAttention} — queries from the hidden
 * states, keys and values from {@code context} (the hidden states themselves, or the image embeddings for the
 * cross-attention), scores divided by √head_dim plus the additive mask, softmax — then {@code BertSelfOutput}:
 * dense, residual, LayerNorm (eps 1e−12).
 */
final class BertAttention {
    static final float EPS = 1e-12f;

    private BertAttention() {
    }

    /**
     * @param w       the module's sub-tree ({@code attention} or {@code crossattention})
     * @param hidden  [B, L, H]
     * @param context [B, Lk, C]
     * @param mask    additive [B, 1, 1, Lk], or null for none
     */
    static Value forward(GraphBuilder g, Weights w, Value hidden, Value context, Value mask, int heads) {
        int h = hidden.spec().shape().last();
        Value q = AttentionHeads.split(g, StrictParams.linear(g, w, "self.query", hidden, h), heads);
        Value k = AttentionHeads.split(g, StrictParams.linear(g, w, "self.key", context, h), heads);
        Value v = AttentionHeads.split(g, StrictParams.linear(g, w, "self.value", context, h), heads);
        float scale = (float) (1.0 / Math.sqrt(h / heads));
        Value o = AttentionHeads.merge(g, g.attention(q, k, v, mask, scale, false));
        Value out = StrictParams.linear(g, w, "output.dense", o, h);
        return Layers.layerNormAffine(g, w, "output.LayerNorm", g.add(out, hidden), EPS);
    }
}
