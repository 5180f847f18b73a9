package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Upsample2x;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' Upsample2D with use_conv: nearest-neighbour upsampling, then a 3×3 conv ({@code conv}).
 * The U-Net passes the next skip's size when the latent is not a multiple of 2^downsamplers; nearest
 * interpolation from n to 2n−1 picks source floor(i·n/(2n−1)) = floor(i/2), i.e. the 2× result cropped,
 * so a crop of the 2× upsample reproduces F.interpolate(size=...).
 */
final class Upsample2D {
    private Upsample2D() {
    }

    /** @param height target height (the skip's), or −1 for 2× */
    static Value forward(GraphBuilder g, Weights w, Value x, int outChannels, int height, int width) {
        Value h = g.op(new Upsample2x(), "interpolate", x);
        if (height > 0 && height < h.spec().shape().dim(2)) {
            h = g.slice(h, 2, 0, height);
        }
        if (width > 0 && width < h.spec().shape().dim(3)) {
            h = g.slice(h, 3, 0, width);
        }
        return Layers.conv2d(g, w, "conv", h, outChannels, 3, 1, 1);
    }
}
