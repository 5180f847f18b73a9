package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' UNetMidBlock2DCrossAttn with num_layers 1: resnets.0 → attentions.0 → resnets.1, at constant
 * width; the resnets use output_scale_factor = mid_block_scale_factor.
 */
final class UNetMidBlock2DCrossAttn {
    private UNetMidBlock2DCrossAttn() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, UNetContext ctx, UNet2DConditionConfig.MidBlock block) {
        try (var s = g.scope("resnets.0")) {
            x = ResnetBlock2D.forward(g, w.under("resnets.0"), x, block.channels(), ctx, block.outputScaleFactor());
        }
        try (var s = g.scope("attentions.0")) {
            x = Transformer2DModel.forward(g, w.under("attentions.0"), x, ctx, block.heads(), block.transformerLayers());
        }
        try (var s = g.scope("resnets.1")) {
            x = ResnetBlock2D.forward(g, w.under("resnets.1"), x, block.channels(), ctx, block.outputScaleFactor());
        }
        return x;
    }
}
