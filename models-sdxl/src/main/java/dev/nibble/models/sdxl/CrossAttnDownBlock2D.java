package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Weights;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' CrossAttnDownBlock2D: for each layer j, resnets.j then attentions.j (a Transformer2DModel with
 * transformer_layers_per_block[j] blocks), each result kept as a skip; then downsamplers.0 (also a skip).
 */
final class CrossAttnDownBlock2D {
    private CrossAttnDownBlock2D() {
    }

    static DownBlockOutput forward(GraphBuilder g, Weights w, Value x, UNetContext ctx,
                                   UNet2DConditionConfig.DownBlock block) {
        List<Value> skips = new ArrayList<>();
        for (int j = 0; j < block.numLayers(); j++) {
            String resnet = "resnets." + j;
            try (var s = g.scope(resnet)) {
                x = ResnetBlock2D.forward(g, w.under(resnet), x, block.outChannels(), ctx, 1f);
            }
            String attn = "attentions." + j;
            try (var s = g.scope(attn)) {
                x = Transformer2DModel.forward(g, w.under(attn), x, ctx, block.heads(), block.transformerLayers()[j]);
            }
            skips.add(x);
        }
        if (block.addDownsample()) {
            x = DownBlock2D.downsample(g, w, x, ctx, block);
            skips.add(x);
        }
        return new DownBlockOutput(x, skips);
    }
}
