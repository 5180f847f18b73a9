package dev.nibble.bench.metrics.imagereward;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * BLIP's text encoder, {@code med.BertModel(add_pooling_layer=False)} as {@code blip.text_encoder}: word plus
 * absolute position embeddings (no token-type embeddings in BLIP's BertEmbeddings), LayerNorm (eps 1e−12), then
 * the layers ({@link BertCrossLayer}), each attending to the image. The padding mask is the additive
 * {@code (1 − mask) · −10000} of {@code get_extended_attention_mask}.
 */
final class BlipTextEncoder {
    /** What {@code get_extended_attention_mask} adds to the scores of padding positions. */
    static final float MASKED = -10000f;

    private BlipTextEncoder() {
    }

    /**
     * @param ids          I64 [B, L]
     * @param paddingMask  additive F32 [B, 1, 1, L]
     * @param image        image embeddings [B, tokens, visionWidth]
     * @return the last hidden state [B, L, hidden]
     */
    static Value forward(GraphBuilder g, Weights w, Value ids, Value paddingMask, Value image, ImageRewardConfig c) {
        int length = ids.spec().shape().dim(1);
        int hidden = c.textHidden();
        Value words = Layers.embedding(g, w, "embeddings.word_embeddings", ids, c.vocabSize(), hidden);
        long[] positions = new long[length];
        for (int i = 0; i < length; i++) {
            positions[i] = i;
        }
        Value posIds = g.constant("position_ids", Tensor.ofLongs(Shape.of(length), positions));
        Value pos = Layers.embedding(g, w, "embeddings.position_embeddings", posIds, c.maxPositions(), hidden);
        Value h = Layers.layerNormAffine(g, w, "embeddings.LayerNorm", g.add(words, pos), BertAttention.EPS);
        for (int i = 0; i < c.textLayers(); i++) {
            String name = "encoder.layer." + i;
            try (var s = g.scope(name)) {
                h = BertCrossLayer.forward(g, w.under(name), h, paddingMask, image, c);
            }
        }
        return h;
    }
}
