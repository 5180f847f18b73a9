package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Weights;

import java.util.Deque;

/**
 * diffusers' CrossAttnUpBlock2D: for each layer j, cat([x, skip], dim=1) with the last remaining skip,
 * resnets.j, attentions.j; then upsamplers.0 to the next skip's size.
 */
final class CrossAttnUpBlock2D {
    private CrossAttnUpBlock2D() {
    }

    static Value forward(GraphBuilder g, Weights w, Value x, Deque<Value> skips, UNetContext ctx,
                         UNet2DConditionConfig.UpBlock block, int height, int width) {
        for (int j = 0; j < block.numLayers(); j++) {
            x = g.concat(1, x, skips.removeLast());
            String resnet = "resnets." + j;
            try (var s = g.scope(resnet)) {
                x = ResnetBlock2D.forward(g, w.under(resnet), x, block.outChannels(), ctx, 1f);
            }
            String attn = "attentions." + j;
            try (var s = g.scope(attn)) {
                x = Transformer2DModel.forward(g, w.under(attn), x, ctx, block.heads(), block.transformerLayers()[j]);
            }
        }
        return UpBlock2D.upsample(g, w, x, block, height, width);
    }
}
