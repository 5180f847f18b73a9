package dev.nibble.bench.metrics.imagereward;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.AttentionHeads;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

import java.util.List;

/**
 * One block of BLIP's ViT ({@code models/vit.py Block}, pre-norm, no drop-path at inference):
 * {@code x + attn(norm1(x))}, then {@code x + mlp(norm2(x))}. The attention's {@code qkv} linear yields
 * q, k and v side by side (each head-major), scale head_dim^−0.5; the MLP is fc1 → exact GELU → fc2.
 * LayerNorm eps is 1e−6.
 */
final class VisionBlock {
    static final float EPS = 1e-6f;

    private VisionBlock() {
    }

    /** x [B, N, W] → [B, N, W]; {@code w} is the block's sub-tree ({@code blocks.i}). */
    static Value forward(GraphBuilder g, Weights w, Value x, ImageRewardConfig c) {
        int width = c.visionWidth();
        int heads = c.visionHeads();
        Value h = Layers.layerNormAffine(g, w, "norm1", x, EPS);
        List<Value> qkv = g.chunk(StrictParams.linear(g, w, "attn.qkv", h, 3 * width), 3, 2);
        Value q = AttentionHeads.split(g, qkv.get(0), heads);
        Value k = AttentionHeads.split(g, qkv.get(1), heads);
        Value v = AttentionHeads.split(g, qkv.get(2), heads);
        float scale = (float) Math.pow(width / heads, -0.5);
        Value o = AttentionHeads.merge(g, g.attention(q, k, v, null, scale, false));
        x = g.add(x, StrictParams.linear(g, w, "attn.proj", o, width));
        h = Layers.layerNormAffine(g, w, "norm2", x, EPS);
        h = g.unary(UnaryFn.GELU, StrictParams.linear(g, w, "mlp.fc1", h, c.visionMlpDim()));
        return g.add(x, StrictParams.linear(g, w, "mlp.fc2", h, width));
    }
}
