package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' ResnetBlock2D as the U-Net uses it (time_embedding_norm "default"): norm1 → act → conv1,
 * plus time_emb_proj(act(temb)) broadcast over H×W, → norm2 → act → conv2 (dropout is inference-off),
 * added to the input (through a 1×1 conv_shortcut when the channel count changes), divided by
 * output_scale_factor. The VAE's block in models-common has no time-embedding input, hence this one.
 */
final class ResnetBlock2D {
    private ResnetBlock2D() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, int outChannels, UNetContext ctx, float outputScaleFactor) {
        UNet2DConditionConfig c = ctx.config();
        int in = x.spec().shape().dim(1);
        int b = x.spec().shape().dim(0);
        Value h = Layers.groupNorm(g, w, "norm1", x, c.normNumGroups(), c.normEps());
        h = g.unary(c.activation(), h);
        h = Layers.conv2d(g, w, "conv1", h, outChannels, 3, 1, 1);
        Value t = Layers.linear(g, w, "time_emb_proj", ctx.tembAct(), outChannels);
        h = g.add(h, g.reshape(t, b, outChannels, 1, 1));
        h = Layers.groupNorm(g, w, "norm2", h, c.normNumGroups(), c.normEps());
        h = g.unary(c.activation(), h);
        h = Layers.conv2d(g, w, "conv2", h, outChannels, 3, 1, 1);
        Value shortcut = in != outChannels ? Layers.conv2d(g, w, "conv_shortcut", x, outChannels, 1, 1, 0) : x;
        Value out = g.add(shortcut, h);
        if (outputScaleFactor != 1f) {
            // a true division, as (input_tensor + hidden_states) / output_scale_factor
            out = g.div(out, g.constant(g.qualified("output_scale_factor"),
                    Tensor.ofFloats(Shape.of(1), outputScaleFactor)));
        }
        return out;
    }
}
