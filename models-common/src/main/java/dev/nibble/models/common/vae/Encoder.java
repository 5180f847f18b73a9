package dev.nibble.models.common.vae;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' vae.Encoder: conv_in → down_blocks (DownEncoderBlock2D: layers_per_block resnets, a
 * downsampler on all but the last) → mid_block → conv_norm_out → act → conv_out to 2·latent_channels
 * (double_z: mean and logvar).
 */
public final class Encoder {
    private Encoder() {
    }

    public static Value forward(GraphBuilder g, Weights w, Value x, AutoencoderKLConfig cfg) {
        int[] ch = cfg.blockOutChannels();
        int groups = cfg.normNumGroups();
        float eps = VaeMidBlock.EPS;
        Value h = Layers.conv2d(g, w, "conv_in", x, ch[0], 3, 1, 1);
        for (int i = 0; i < ch.length; i++) {
            String block = "down_blocks." + i;
            for (int j = 0; j < cfg.layersPerBlock(); j++) {
                String name = block + ".resnets." + j;
                try (var s = g.scope(name)) {
                    h = ResnetBlock2D.forward(g, w.under(name), h, ch[i], groups, eps, cfg.activation());
                }
            }
            if (i < ch.length - 1) {
                String name = block + ".downsamplers.0";
                try (var s = g.scope(name)) {
                    h = Downsample2D.forward(g, w.under(name), h, ch[i], 0);
                }
            }
        }
        try (var s = g.scope("mid_block")) {
            h = VaeMidBlock.forward(g, w.under("mid_block"), h, cfg);
        }
        h = Layers.groupNorm(g, w, "conv_norm_out", h, groups, eps);
        h = g.unary(cfg.activation(), h);
        return Layers.conv2d(g, w, "conv_out", h, 2 * cfg.latentChannels(), 3, 1, 1);
    }
}
