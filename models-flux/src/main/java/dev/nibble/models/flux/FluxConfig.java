package dev.nibble.models.flux;

import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@code config.json} of a diffusers {@code FluxTransformer2DModel}. Every size the model code uses
 * comes from here, so the tiny golden checkpoints and the 12B FLUX.1 models run through the same code.
 * Defaults are diffusers 0.31's constructor defaults.
 */
public record FluxConfig(
        int patchSize,
        int inChannels,
        int outChannels,
        int numLayers,
        int numSingleLayers,
        int attentionHeadDim,
        int numAttentionHeads,
        int jointAttentionDim,
        int pooledProjectionDim,
        boolean guidanceEmbeds,
        int[] axesDimsRope) {

    public static final String FILE_NAME = "config.json";

    public FluxConfig {
        axesDimsRope = axesDimsRope.clone();
        if (patchSize < 1) {
            // the transformer never patchifies (the pipeline packs 2x2); patch_size only sizes proj_out
            throw new IllegalArgumentException("patch_size must be >= 1, got " + patchSize);
        }
        for (int v : new int[] {inChannels, outChannels, attentionHeadDim, numAttentionHeads, jointAttentionDim,
                pooledProjectionDim}) {
            if (v <= 0) {
                throw new IllegalArgumentException("sizes must be positive: " + describe(inChannels, outChannels,
                        attentionHeadDim, numAttentionHeads, jointAttentionDim, pooledProjectionDim));
            }
        }
        if (numLayers < 0 || numSingleLayers < 0) {
            throw new IllegalArgumentException("num_layers and num_single_layers must be >= 0");
        }
        int sum = 0;
        for (int d : axesDimsRope) {
            if (d <= 0 || d % 2 != 0) {
                throw new IllegalArgumentException("axes_dims_rope entries must be positive and even: "
                        + Arrays.toString(axesDimsRope));
            }
            sum += d;
        }
        if (sum != attentionHeadDim) {
            // the rotary tables cover the whole head: the axes split attention_head_dim exactly
            throw new IllegalArgumentException("axes_dims_rope " + Arrays.toString(axesDimsRope) + " sum to " + sum
                    + " but attention_head_dim is " + attentionHeadDim);
        }
    }

    private static String describe(int... v) {
        return Arrays.toString(v);
    }

    /** Reads {@code config.json} from a transformer folder (or the file itself). */
    public static FluxConfig read(Path dirOrFile) {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(FILE_NAME) : dirOrFile;
        return of(DiffusersConfig.read(file));
    }

    public static FluxConfig of(DiffusersConfig c) {
        String cls = c.getString("_class_name", "FluxTransformer2DModel");
        if (!cls.equals("FluxTransformer2DModel")) {
            throw new ConfigException(c.path() + ": expected a FluxTransformer2DModel config but _class_name is " + cls);
        }
        int in = c.getInt("in_channels", 64);
        try {
            return new FluxConfig(
                    c.getInt("patch_size", 1),
                    in,
                    c.getInt("out_channels", in),
                    c.getInt("num_layers", 19),
                    c.getInt("num_single_layers", 38),
                    c.getInt("attention_head_dim", 128),
                    c.getInt("num_attention_heads", 24),
                    c.getInt("joint_attention_dim", 4096),
                    c.getInt("pooled_projection_dim", 768),
                    c.getBoolean("guidance_embeds", false),
                    c.getIntArray("axes_dims_rope", new int[] {16, 56, 56}));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.path() + ": " + e.getMessage(), e);
        }
    }

    /** Model width: heads × head dim (3072 for FLUX.1). */
    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    /** Hidden width of the feed-forward layers and of the single blocks' MLP branch (mlp_ratio 4). */
    public int mlpHiddenDim() {
        return innerDim() * 4;
    }

    /** Channels of the packed output tokens: patch_size² × out_channels. */
    public int outFeatures() {
        return patchSize * patchSize * outChannels;
    }

    /** Channels of the unpacked latents (in_channels / 4: a packed token is one 2×2 patch). */
    public int latentChannels() {
        return inChannels / 4;
    }

    @Override
    public int[] axesDimsRope() {
        return axesDimsRope.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FluxConfig f && patchSize == f.patchSize && inChannels == f.inChannels
                && outChannels == f.outChannels && numLayers == f.numLayers && numSingleLayers == f.numSingleLayers
                && attentionHeadDim == f.attentionHeadDim && numAttentionHeads == f.numAttentionHeads
                && jointAttentionDim == f.jointAttentionDim && pooledProjectionDim == f.pooledProjectionDim
                && guidanceEmbeds == f.guidanceEmbeds && Arrays.equals(axesDimsRope, f.axesDimsRope);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(numLayers, numSingleLayers, numAttentionHeads, attentionHeadDim, inChannels,
                guidanceEmbeds, Arrays.hashCode(axesDimsRope));
    }

    @Override
    public String toString() {
        return "FluxConfig[layers=" + numLayers + "+" + numSingleLayers + " single, heads=" + numAttentionHeads + "x"
                + attentionHeadDim + ", in=" + inChannels + ", out=" + outChannels + ", joint=" + jointAttentionDim
                + ", pooled=" + pooledProjectionDim + ", guidance=" + guidanceEmbeds + ", rope="
                + Arrays.toString(axesDimsRope) + "]";
    }
}
