package dev.nibble.models.common.vae;

import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Activations;

import java.util.Arrays;
import java.util.List;

/**
 * diffusers' AutoencoderKL config; absent keys take the class defaults (use_quant_conv and
 * use_post_quant_conv default to true, shift_factor to none).
 */
public record AutoencoderKLConfig(int inChannels, int outChannels, List<String> downBlockTypes,
                                  List<String> upBlockTypes, int[] blockOutChannels, int layersPerBlock,
                                  String actFn, UnaryFn activation, int latentChannels, int normNumGroups,
                                  float scalingFactor, Float shiftFactor, boolean useQuantConv,
                                  boolean usePostQuantConv, boolean midBlockAddAttention) {
    public AutoencoderKLConfig {
        blockOutChannels = blockOutChannels.clone();
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
    }

    public static AutoencoderKLConfig from(DiffusersConfig c) {
        String act = c.getString("act_fn", "silu");
        int[] channels = c.getIntArray("block_out_channels", new int[] {64});
        AutoencoderKLConfig out = new AutoencoderKLConfig(
                c.getInt("in_channels", 3),
                c.getInt("out_channels", 3),
                c.getStringList("down_block_types", List.of("DownEncoderBlock2D")),
                c.getStringList("up_block_types", List.of("UpDecoderBlock2D")),
                channels,
                c.getInt("layers_per_block", 1),
                act,
                Activations.byName(act, c.path() + " key 'act_fn'"),
                c.getInt("latent_channels", 4),
                c.getInt("norm_num_groups", 32),
                (float) c.getDouble("scaling_factor", 0.18215),
                c.has("shift_factor") ? (float) c.getDouble("shift_factor") : null,
                c.getBoolean("use_quant_conv", true),
                c.getBoolean("use_post_quant_conv", true),
                c.getBoolean("mid_block_add_attention", true));
        out.validate(c);
        return out;
    }

    private void validate(DiffusersConfig c) {
        if (blockOutChannels.length == 0) {
            throw new ConfigException(c.path() + ": block_out_channels is empty");
        }
        if (downBlockTypes.size() != blockOutChannels.length || upBlockTypes.size() != blockOutChannels.length) {
            throw new ConfigException(c.path() + ": down_block_types " + downBlockTypes + " and up_block_types "
                    + upBlockTypes + " must each have one entry per block_out_channels " + Arrays.toString(blockOutChannels));
        }
        for (String t : downBlockTypes) {
            if (!t.equals("DownEncoderBlock2D")) {
                throw new ConfigException(c.path() + ": down block type '" + t + "' is not supported (DownEncoderBlock2D only)");
            }
        }
        for (String t : upBlockTypes) {
            if (!t.equals("UpDecoderBlock2D")) {
                throw new ConfigException(c.path() + ": up block type '" + t + "' is not supported (UpDecoderBlock2D only)");
            }
        }
        for (int ch : blockOutChannels) {
            if (ch % normNumGroups != 0) {
                throw new ConfigException(c.path() + ": block_out_channels " + Arrays.toString(blockOutChannels)
                        + " are not all divisible by norm_num_groups " + normNumGroups);
            }
        }
    }

    /** Pixels per latent along each axis: 2^(number of downsamplers). */
    public int downscale() {
        return 1 << (blockOutChannels.length - 1);
    }

    @Override
    public int[] blockOutChannels() {
        return blockOutChannels.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AutoencoderKLConfig a && toString().equals(a.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "AutoencoderKLConfig[in=" + inChannels + ", out=" + outChannels + ", blocks=" + Arrays.toString(blockOutChannels)
                + ", layersPerBlock=" + layersPerBlock + ", act=" + actFn + ", latent=" + latentChannels
                + ", groups=" + normNumGroups + ", scaling=" + scalingFactor + ", shift=" + shiftFactor
                + ", quantConv=" + useQuantConv + ", postQuantConv=" + usePostQuantConv
                + ", midAttention=" + midBlockAddAttention + "]";
    }
}
