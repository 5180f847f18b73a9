package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Weights;

import java.util.Deque;

/**
 * diffusers' UpBlock2D: for each layer j, cat([x, skip], dim=1) with the skip popped from the end of the
 * down path's residuals, then resnets.j; finally upsamplers.0 to the next skip's size.
 */
final class UpBlock2D {
    private UpBlock2D() {
    }

    /**
     * @param skips   the remaining down-path residuals; this block pops numLayers from the end
     * @param height  upsample target height (the next skip's), ignored without an upsampler
     */
    static Value forward(GraphBuilder g, Weights w, Value x, Deque<Value> skips, UNetContext ctx,
                         UNet2DConditionConfig.UpBlock block, int height, int width) {
        for (int j = 0; j < block.numLayers(); j++) {
            x = g.concat(1, x, skips.removeLast());
            String name = "resnets." + j;
            try (var s = g.scope(name)) {
                x = ResnetBlock2D.forward(g, w.under(name), x, block.outChannels(), ctx, 1f);
            }
        }
        return upsample(g, w, x, block, height, width);
    }

    static Value upsample(GraphBuilder g, Weights w, Value x, UNet2DConditionConfig.UpBlock block, int height,
                          int width) {
        if (!block.addUpsample()) {
            return x;
        }
        try (var s = g.scope("upsamplers.0")) {
            return Upsample2D.forward(g, w.under("upsamplers.0"), x, block.outChannels(), height, width);
        }
    }
}
