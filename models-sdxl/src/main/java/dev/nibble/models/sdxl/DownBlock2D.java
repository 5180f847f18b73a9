package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Weights;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' DownBlock2D: resnets.j (each output kept as a skip), then downsamplers.0 (its output is a skip
 * too). output_scale_factor is 1 for this block type.
 */
final class DownBlock2D {
    private DownBlock2D() {
    }

    static DownBlockOutput forward(GraphBuilder g, Weights w, Value x, UNetContext ctx,
                                   UNet2DConditionConfig.DownBlock block) {
        List<Value> skips = new ArrayList<>();
        for (int j = 0; j < block.numLayers(); j++) {
            String name = "resnets." + j;
            try (var s = g.scope(name)) {
                x = ResnetBlock2D.forward(g, w.under(name), x, block.outChannels(), ctx, 1f);
            }
            skips.add(x);
        }
        if (block.addDownsample()) {
            x = downsample(g, w, x, ctx, block);
            skips.add(x);
        }
        return new DownBlockOutput(x, skips);
    }

    static Value downsample(GraphBuilder g, Weights w, Value x, UNetContext ctx, UNet2DConditionConfig.DownBlock block) {
        try (var s = g.scope("downsamplers.0")) {
            return Downsample2D.forward(g, w.under("downsamplers.0"), x, block.outChannels(),
                    ctx.config().downsamplePadding());
        }
    }
}
