package dev.nibble.models.common.t5;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.AttentionHeads;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * T5Attention (encoder self-attention): bias-free q/k/v/o projections, no 1/sqrt(d) scaling (T5
 * folds it into the q weights), and an additive position bias that already includes the padding mask.
 */
final class T5Attention {
    private T5Attention() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, Value positionBias, T5Config cfg) {
        int inner = cfg.innerDim();
        Value q = AttentionHeads.split(g, Layers.linear(g, w, "q", x, inner), cfg.numHeads());
        Value k = AttentionHeads.split(g, Layers.linear(g, w, "k", x, inner), cfg.numHeads());
        Value v = AttentionHeads.split(g, Layers.linear(g, w, "v", x, inner), cfg.numHeads());
        Value o = g.attention(q, k, v, positionBias, 1f, false);
        return Layers.linear(g, w, "o", AttentionHeads.merge(g, o), cfg.dModel());
    }

    /**
     * compute_bias(L, L) of the layer that owns {@code relative_attention_bias}: the bucket table is a
     * host constant; the bias rows are gathered from the stored table, giving [1, H, L, L].
     */
    static Value positionBias(GraphBuilder g, Weights w, int length, T5Config cfg) {
        long[] buckets = RelativePositionBuckets.table(length, length, cfg.relativeAttentionNumBuckets(),
                cfg.relativeAttentionMaxDistance());
        Value ids = g.constant(w.fullName("relative_position_buckets") + "[" + length + "]",
                Tensor.ofLongs(Shape.of(length, length), buckets));
        String table = "relative_attention_bias.weight";
        Layers.expectShape(w, table, w.get(table), Shape.of(cfg.relativeAttentionNumBuckets(), cfg.numHeads()));
        Value values = g.op(new Embedding(), g.qualified("relative_attention_bias"), Layers.constant(g, w, table), ids);
        // [q, k, H] → [H, q, k] → [1, H, q, k]
        return g.reshape(g.permute(values, 2, 0, 1), 1, cfg.numHeads(), length, length);
    }
}
