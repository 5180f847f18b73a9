package dev.nibble.models.flux;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Rope;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' Attention with FluxAttnProcessor2_0: q/k/v projections, per-head RMSNorm of q and k
 * (eps 1e-6), rotary embedding on the joint sequence, softmax attention with scale 1/√head_dim.
 * {@link #joint} is the double-stream form (text tokens projected by the add_* layers and placed
 * first); {@link #single} the single-stream, pre-only form (no output projection).
 */
final class FluxAttention {
    static final float EPS = 1e-6f;

    /** The image and text halves of a joint attention's output, each [B, L, D]. */
    record Joint(Value image, Value text) {}

    private FluxAttention() {
    }

    /**
     * @param img [B, Li, D] modulated image tokens
     * @param txt [B, Lt, D] modulated text tokens
     * @param cos rotary table [Lt + Li, head_dim], text rows first
     */
    static Joint joint(GraphBuilder g, Weights w, String name, FluxConfig c, Value img, Value txt, Value cos,
                       Value sin) {
        try (var s = g.scope(name)) {
            Weights aw = w.under(name);
            int lt = txt.spec().shape().dim(1);
            Value q = g.concat(1, projectHeads(g, aw, c, "add_q_proj", "norm_added_q", txt),
                    projectHeads(g, aw, c, "to_q", "norm_q", img));
            Value k = g.concat(1, projectHeads(g, aw, c, "add_k_proj", "norm_added_k", txt),
                    projectHeads(g, aw, c, "to_k", "norm_k", img));
            Value v = g.concat(1, projectHeads(g, aw, c, "add_v_proj", null, txt),
                    projectHeads(g, aw, c, "to_v", null, img));
            Value o = attend(g, c, q, k, v, cos, sin);
            int l = o.spec().shape().dim(1);
            Value txtOut = Layers.linear(g, aw, "to_add_out", g.slice(o, 1, 0, lt));
            Value imgOut = Layers.linear(g, aw, "to_out.0", g.slice(o, 1, lt, l));
            return new Joint(imgOut, txtOut);
        }
    }

    /** Self-attention over x [B, L, D] (text and image tokens already joined); output [B, L, D]. */
    static Value single(GraphBuilder g, Weights w, String name, FluxConfig c, Value x, Value cos, Value sin) {
        try (var s = g.scope(name)) {
            Weights aw = w.under(name);
            Value q = projectHeads(g, aw, c, "to_q", "norm_q", x);
            Value k = projectHeads(g, aw, c, "to_k", "norm_k", x);
            Value v = projectHeads(g, aw, c, "to_v", null, x);
            return attend(g, c, q, k, v, cos, sin);
        }
    }

    /** Linear projection to [B, L, H, Dh], RMS-normalised per head when {@code norm} is given. */
    private static Value projectHeads(GraphBuilder g, Weights w, FluxConfig c, String proj, String norm, Value x) {
        int b = x.spec().shape().dim(0);
        int l = x.spec().shape().dim(1);
        Value h = g.reshape(Layers.linear(g, w, proj, x), b, l, c.numAttentionHeads(), c.attentionHeadDim());
        return norm == null ? h : Layers.rmsNorm(g, w, norm, h, EPS);
    }

    /** q, k, v [B, L, H, Dh] → rotary on q and k → attention → [B, L, H·Dh]. */
    private static Value attend(GraphBuilder g, FluxConfig c, Value q, Value k, Value v, Value cos, Value sin) {
        int b = q.spec().shape().dim(0);
        int l = q.spec().shape().dim(1);
        Value qh = g.op(new Rope(), "rope_q", g.permute(q, 0, 2, 1, 3), cos, sin);
        Value kh = g.op(new Rope(), "rope_k", g.permute(k, 0, 2, 1, 3), cos, sin);
        Value vh = g.permute(v, 0, 2, 1, 3);
        float scale = (float) (1.0 / Math.sqrt(c.attentionHeadDim()));
        Value o = g.attention(qh, kh, vh, null, scale, false);
        return g.reshape(g.permute(o, 0, 2, 1, 3), b, l, c.innerDim());
    }
}
