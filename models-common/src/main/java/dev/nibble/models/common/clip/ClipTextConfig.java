package dev.nibble.models.common.clip;

import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Activations;

/**
 * transformers' CLIPTextConfig: absent keys take the library's defaults, as from_pretrained does. A
 * full CLIPConfig (with a nested {@code text_config}) is read through that sub-object.
 */
public record ClipTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                             int numAttentionHeads, int maxPositionEmbeddings, float layerNormEps,
                             String hiddenAct, UnaryFn activation, long eosTokenId, int projectionDim)
        implements ClipEncoderConfig {

    public static ClipTextConfig from(DiffusersConfig config) {
        DiffusersConfig c = config.raw().has("text_config") && config.raw().get("text_config").isObject()
                ? DiffusersConfig.of(config.path(), config.raw().get("text_config")) : config;
        String act = c.getString("hidden_act", "quick_gelu");
        ClipTextConfig out = new ClipTextConfig(
                c.getInt("vocab_size", 49408),
                c.getInt("hidden_size", 512),
                c.getInt("intermediate_size", 2048),
                c.getInt("num_hidden_layers", 12),
                c.getInt("num_attention_heads", 8),
                c.getInt("max_position_embeddings", 77),
                (float) c.getDouble("layer_norm_eps", 1e-5),
                act,
                Activations.byName(act, c.path() + " key 'hidden_act'"),
                c.getLong("eos_token_id", 49407),
                c.getInt("projection_dim", 512));
        if (out.numAttentionHeads <= 0 || out.hiddenSize % out.numAttentionHeads != 0) {
            throw new ConfigException(c.path() + ": hidden_size " + out.hiddenSize
                    + " is not divisible by num_attention_heads " + out.numAttentionHeads);
        }
        return out;
    }

    @Override
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** The text tower attends causally. */
    @Override
    public boolean causal() {
        return true;
    }

    /**
     * This config with another projection width: CLIPModel sizes text_projection by the top-level
     * {@code projection_dim}, not by the one inside {@code text_config}.
     */
    public ClipTextConfig withProjectionDim(int dim) {
        return new ClipTextConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                maxPositionEmbeddings, layerNormEps, hiddenAct, activation, eosTokenId, dim);
    }
}
