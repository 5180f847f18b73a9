package dev.nibble.models.common.vae;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Upsample2x;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/** diffusers' Upsample2D with use_conv: nearest 2× interpolation, then a 3×3 conv. */
public final class Upsample2D {
    private Upsample2D() {
    }

    public static Value forward(GraphBuilder g, Weights w, Value x, int outChannels) {
        Value up = g.op(new Upsample2x(), x);
        return Layers.conv2d(g, w, "conv", up, outChannels, 3, 1, 1);
    }
}
