package dev.nibble.bench.metrics.imagereward;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * BLIP's {@code BertLayer} in "multimodal" mode ({@code models/med.py}, the mode {@code text_encoder(...)} runs
 * in by default): self-attention over the prompt with the padding mask, cross-attention from the prompt to the
 * image embeddings (every image token attended: ImageReward passes an all-ones image mask), then the feed-forward
 * {@code intermediate.dense} → exact GELU → {@code output.dense}, residual, LayerNorm (eps 1e−12).
 */
final class BertCrossLayer {
    private BertCrossLayer() {
    }

    /** h [B, L, H] → [B, L, H]; {@code w} is {@code encoder.layer.i}. */
    static Value forward(GraphBuilder g, Weights w, Value h, Value paddingMask, Value image, ImageRewardConfig c) {
        Value a;
        try (var s = g.scope("attention")) {
            a = BertAttention.forward(g, w.under("attention"), h, h, paddingMask, c.textHeads());
        }
        try (var s = g.scope("crossattention")) {
            a = BertAttention.forward(g, w.under("crossattention"), a, image, null, c.textHeads());
        }
        Value f = g.unary(UnaryFn.GELU, StrictParams.linear(g, w, "intermediate.dense", a, c.textIntermediate()));
        f = StrictParams.linear(g, w, "output.dense", f, c.textHidden());
        return Layers.layerNormAffine(g, w, "output.LayerNorm", g.add(f, a), BertAttention.EPS);
    }
}
