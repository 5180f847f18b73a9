package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' Transformer2DModel on continuous input: GroupNorm (eps 1e-6) → proj_in → N BasicTransformerBlocks
 * over the H·W tokens → proj_out → + input. With use_linear_projection the projections are linear layers on
 * the tokens (SDXL); otherwise 1×1 convolutions on the feature map (SD 1.x).
 */
final class Transformer2DModel {
    static final float NORM_EPS = 1e-6f;

    private Transformer2DModel() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, UNetContext ctx, int heads, int numLayers) {
        UNet2DConditionConfig c = ctx.config();
        int b = x.spec().shape().dim(0), ch = x.spec().shape().dim(1);
        int hh = x.spec().shape().dim(2), ww = x.spec().shape().dim(3);
        int headDim = ch / heads;
        int inner = heads * headDim;
        Value h = Layers.groupNorm(g, w, "norm", x, c.normNumGroups(), NORM_EPS);
        Value tokens;
        if (c.useLinearProjection()) {
            tokens = Layers.linear(g, w, "proj_in", toTokens(g, h), inner);
        } else {
            tokens = toTokens(g, Layers.conv2d(g, w, "proj_in", h, inner, 1, 1, 0));
        }
        for (int i = 0; i < numLayers; i++) {
            String name = "transformer_blocks." + i;
            try (var s = g.scope(name)) {
                tokens = BasicTransformerBlock.forward(g, w.under(name), tokens, ctx.encoderHiddenStates(), heads, headDim);
            }
        }
        Value out;
        if (c.useLinearProjection()) {
            out = toMap(g, Layers.linear(g, w, "proj_out", tokens, ch), b, hh, ww);
        } else {
            out = Layers.conv2d(g, w, "proj_out", toMap(g, tokens, b, hh, ww), ch, 1, 1, 0);
        }
        return g.add(out, x);
    }

    /** [B, C, H, W] → [B, H·W, C]. */
    private static Value toTokens(GraphBuilder g, Value x) {
        int b = x.spec().shape().dim(0), ch = x.spec().shape().dim(1);
        int hh = x.spec().shape().dim(2), ww = x.spec().shape().dim(3);
        return g.reshape(g.permute(x, 0, 2, 3, 1), b, hh * ww, ch);
    }

    /** [B, H·W, C] → [B, C, H, W]. */
    private static Value toMap(GraphBuilder g, Value tokens, int b, int hh, int ww) {
        int ch = tokens.spec().shape().last();
        return g.permute(g.reshape(tokens, b, hh, ww, ch), 0, 3, 1, 2);
    }
}
