package dev.nibble.models.common.vae;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' vae.Decoder: conv_in → mid_block → up_blocks over the reversed block_out_channels
 * (UpDecoderBlock2D: layers_per_block + 1 resnets, an upsampler on all but the last) →
 * conv_norm_out → act → conv_out.
 */
public final class Decoder {
    private Decoder() {
    }

    public static Value forward(GraphBuilder g, Weights w, Value z, AutoencoderKLConfig cfg) {
        int[] ch = cfg.blockOutChannels();
        int n = ch.length;
        int groups = cfg.normNumGroups();
        float eps = VaeMidBlock.EPS;
        Value h = Layers.conv2d(g, w, "conv_in", z, ch[n - 1], 3, 1, 1);
        try (var s = g.scope("mid_block")) {
            h = VaeMidBlock.forward(g, w.under("mid_block"), h, cfg);
        }
        for (int i = 0; i < n; i++) {
            int out = ch[n - 1 - i];
            String block = "up_blocks." + i;
            for (int j = 0; j < cfg.layersPerBlock() + 1; j++) {
                String name = block + ".resnets." + j;
                try (var s = g.scope(name)) {
                    h = ResnetBlock2D.forward(g, w.under(name), h, out, groups, eps, cfg.activation());
                }
            }
            if (i < n - 1) {
                String name = block + ".upsamplers.0";
                try (var s = g.scope(name)) {
                    h = Upsample2D.forward(g, w.under(name), h, out);
                }
            }
        }
        h = Layers.groupNorm(g, w, "conv_norm_out", h, groups, eps);
        h = g.unary(cfg.activation(), h);
        return Layers.conv2d(g, w, "conv_out", h, cfg.outChannels(), 3, 1, 1);
    }
}
