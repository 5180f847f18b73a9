package dev.nibble.models.common.vae;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.ShapeException;
import dev.nibble.models.common.nn.AttentionHeads;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * The mid block's diffusers Attention over spatial positions: group_norm, to_q/to_k/to_v over the
 * H·W tokens, to_out.0, residual add. rescale_output_factor is 1 in the VAE, so no division.
 */
public final class VaeAttention {
    private VaeAttention() {
    }

    /** @param headDim attention_head_dim (the VAE uses the channel count: one head) */
    public static Value forward(GraphBuilder g, Weights w, Value x, int headDim, int groups, float eps) {
        int b = x.spec().shape().dim(0), c = x.spec().shape().dim(1);
        int hh = x.spec().shape().dim(2), ww = x.spec().shape().dim(3);
        if (c % headDim != 0) {
            throw new ShapeException(g.qualified("") + ": " + c + " channels do not split into heads of " + headDim);
        }
        Value h = Layers.groupNorm(g, w, "group_norm", x, groups, eps);
        h = g.permute(g.reshape(h, b, c, hh * ww), 0, 2, 1); // [B, HW, C]
        int heads = c / headDim;
        Value q = AttentionHeads.split(g, Layers.linear(g, w, "to_q", h, c), heads);
        Value k = AttentionHeads.split(g, Layers.linear(g, w, "to_k", h, c), heads);
        Value v = AttentionHeads.split(g, Layers.linear(g, w, "to_v", h, c), heads);
        Value o = g.attention(q, k, v, null, (float) Math.pow(headDim, -0.5), false);
        o = Layers.linear(g, w, "to_out.0", AttentionHeads.merge(g, o), c);
        o = g.reshape(g.permute(o, 0, 2, 1), b, c, hh, ww);
        return g.add(o, x);
    }
}
