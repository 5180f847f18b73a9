package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' Downsample2D with use_conv: a 3×3 stride-2 conv ({@code conv}). With padding 0 the library
 * first pads right and bottom by one, which is the same as an asymmetric conv padding.
 */
final class Downsample2D {
    private Downsample2D() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, int outChannels, int padding) {
        Conv2d conv = padding == 0
                ? new Conv2d(2, 2, 0, 1, 0, 1, w.contains("conv.bias"))
                : Conv2d.of(2, padding, w.contains("conv.bias"));
        Layers.expectShape(w, "conv.weight", w.get("conv.weight"),
                Shape.of(outChannels, x.spec().shape().dim(1), 3, 3));
        return Layers.conv2d(g, w, "conv", x, conv);
    }
}
