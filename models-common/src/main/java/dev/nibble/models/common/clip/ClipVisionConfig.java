package dev.nibble.models.common.clip;

import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Activations;

/**
 * transformers' CLIPVisionConfig: absent keys take the library's defaults, as from_pretrained does. A
 * full CLIPConfig (with a nested {@code vision_config}) is read through that sub-object.
 */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                               int numChannels, int imageSize, int patchSize, float layerNormEps, String hiddenAct,
                               UnaryFn activation, int projectionDim) implements ClipEncoderConfig {

    public static ClipVisionConfig from(DiffusersConfig config) {
        DiffusersConfig c = config.raw().has("vision_config") && config.raw().get("vision_config").isObject()
                ? DiffusersConfig.of(config.path(), config.raw().get("vision_config")) : config;
        String act = c.getString("hidden_act", "quick_gelu");
        ClipVisionConfig out = new ClipVisionConfig(
                c.getInt("hidden_size", 768),
                c.getInt("intermediate_size", 3072),
                c.getInt("num_hidden_layers", 12),
                c.getInt("num_attention_heads", 12),
                c.getInt("num_channels", 3),
                c.getInt("image_size", 224),
                c.getInt("patch_size", 32),
                (float) c.getDouble("layer_norm_eps", 1e-5),
                act,
                Activations.byName(act, c.path() + " key 'vision_config.hidden_act'"),
                c.getInt("projection_dim", 512));
        String where = c.path() + " (vision_config)";
        if (out.numAttentionHeads <= 0 || out.hiddenSize % out.numAttentionHeads != 0) {
            throw new ConfigException(where + ": hidden_size " + out.hiddenSize
                    + " is not divisible by num_attention_heads " + out.numAttentionHeads);
        }
        if (out.patchSize <= 0 || out.imageSize < out.patchSize) {
            throw new ConfigException(where + ": patch_size " + out.patchSize + " does not fit image_size "
                    + out.imageSize);
        }
        if (out.numChannels <= 0 || out.numHiddenLayers < 0) {
            throw new ConfigException(where + ": num_channels " + out.numChannels + " and num_hidden_layers "
                    + out.numHiddenLayers + " must be positive");
        }
        return out;
    }

    /** Patches per side: the patch convolution (kernel = stride = patch_size) drops any remainder. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** (image_size // patch_size)²: the patch tokens. */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** The class token and the patches: rows of position_embedding. */
    public int numPositions() {
        return numPatches() + 1;
    }

    /** The vision tower attends to every position. */
    @Override
    public boolean causal() {
        return false;
    }

    /** This config with another projection width (CLIPModel's top-level {@code projection_dim}). */
    public ClipVisionConfig withProjectionDim(int dim) {
        return new ClipVisionConfig(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numChannels,
                imageSize, patchSize, layerNormEps, hiddenAct, activation, dim);
    }
}
