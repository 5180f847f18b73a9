package dev.nibble.models.common.vae;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Weights;

/**
 * diffusers' UNetMidBlock2D as the VAE builds it (num_layers 1, no time embedding):
 * resnets.0, then attentions.0 (unless mid_block_add_attention is false), resnets.1.
 */
public final class VaeMidBlock {
    static final float EPS = 1e-6f;

    private VaeMidBlock() {
    }

    public static Value forward(GraphBuilder g, Weights w, Value x, AutoencoderKLConfig cfg) {
        int c = x.spec().shape().dim(1);
        int groups = cfg.normNumGroups();
        try (var s = g.scope("resnets.0")) {
            x = ResnetBlock2D.forward(g, w.under("resnets.0"), x, c, groups, EPS, cfg.activation());
        }
        if (cfg.midBlockAddAttention()) {
            try (var s = g.scope("attentions.0")) {
                // Encoder and Decoder pass attention_head_dim = block_out_channels[-1]: a single head.
                x = VaeAttention.forward(g, w.under("attentions.0"), x, c, groups, EPS);
            }
        }
        try (var s = g.scope("resnets.1")) {
            x = ResnetBlock2D.forward(g, w.under("resnets.1"), x, c, groups, EPS, cfg.activation());
        }
        return x;
    }
}
