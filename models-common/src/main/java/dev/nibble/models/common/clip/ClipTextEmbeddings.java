package dev.nibble.models.common.clip;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.ops.ShapeException;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/** CLIPTextEmbeddings: token_embedding(ids) + position_embedding(arange(L)). */
final class ClipTextEmbeddings {
    private ClipTextEmbeddings() {
    }

    /** @param w the weights under {@code text_model.embeddings}; {@code ids} I64 [B, L] */
    static Value forward(GraphBuilder g, Weights w, Value ids, ClipTextConfig cfg) {
        int l = ids.spec().shape().dim(1);
        if (l > cfg.maxPositionEmbeddings()) {
            throw new ShapeException("CLIP text input of " + l + " tokens exceeds max_position_embeddings "
                    + cfg.maxPositionEmbeddings());
        }
        Value tokens = Layers.embedding(g, w, "token_embedding", ids, cfg.vocabSize(), cfg.hiddenSize());
        // Gathering positions with Embedding (rather than slicing the table) keeps F16/BF16 tables valid.
        long[] pos = new long[l];
        for (int i = 0; i < l; i++) {
            pos[i] = i;
        }
        Value positionIds = g.constant(w.fullName("position_ids") + "[" + l + "]", Tensor.ofLongs(Shape.of(l), pos));
        Layers.expectShape(w, "position_embedding.weight", w.get("position_embedding.weight"),
                Shape.of(cfg.maxPositionEmbeddings(), cfg.hiddenSize()));
        Value positions = g.op(new Embedding(), g.qualified("position_embedding"),
                Layers.constant(g, w, "position_embedding.weight"), positionIds);
        return g.add(tokens, positions);
    }
}
