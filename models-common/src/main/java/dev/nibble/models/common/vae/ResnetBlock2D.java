package dev.nibble.models.common.vae;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' ResnetBlock2D without a time embedding (the VAE's): norm1 → act → conv1 → norm2 → act →
 * conv2, plus the input (through a 1×1 conv_shortcut when the channel count changes).
 * output_scale_factor is 1 in the VAE, so the division is left out.
 */
public final class ResnetBlock2D {
    private ResnetBlock2D() {
    }

    public static Value forward(GraphBuilder g, Weights w, Value x, int outChannels, int groups, float eps, UnaryFn act) {
        int in = x.spec().shape().dim(1);
        Value h = Layers.groupNorm(g, w, "norm1", x, groups, eps);
        h = g.unary(act, h);
        h = Layers.conv2d(g, w, "conv1", h, outChannels, 3, 1, 1);
        h = Layers.groupNorm(g, w, "norm2", h, groups, eps);
        h = g.unary(act, h);
        h = Layers.conv2d(g, w, "conv2", h, outChannels, 3, 1, 1);
        Value shortcut = in != outChannels ? Layers.conv2d(g, w, "conv_shortcut", x, outChannels, 1, 1, 0) : x;
        return g.add(shortcut, h);
    }
}
