package dev.nibble.models.common.t5;

import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Activations;

/**
 * transformers' T5Config as the encoder needs it; absent keys take the library's defaults. The
 * feed-forward form comes from {@code feed_forward_proj} exactly as T5Config.__init__ derives it
 * ("gated-gelu" → gated, gelu_new), not from the saved dense_act_fn/is_gated_act, which it overwrites.
 */
public record T5Config(int vocabSize, int dModel, int dKv, int dFf, int numLayers, int numHeads,
                       int relativeAttentionNumBuckets, int relativeAttentionMaxDistance, float layerNormEpsilon,
                       boolean gatedAct, String denseActFn, UnaryFn activation) {

    public static T5Config from(DiffusersConfig c) {
        String proj = c.getString("feed_forward_proj", "relu");
        String[] parts = proj.split("-");
        boolean gated = parts[0].equals("gated");
        if ((parts.length > 1 && !gated) || parts.length > 2) {
            throw new ConfigException(c.path() + ": feed_forward_proj '" + proj
                    + "' is not a valid activation; use '{ACT}' or 'gated-{ACT}'");
        }
        String act = proj.equals("gated-gelu") ? "gelu_new" : parts[parts.length - 1];
        T5Config out = new T5Config(
                c.getInt("vocab_size", 32128),
                c.getInt("d_model", 512),
                c.getInt("d_kv", 64),
                c.getInt("d_ff", 2048),
                c.getInt("num_layers", 6),
                c.getInt("num_heads", 8),
                c.getInt("relative_attention_num_buckets", 32),
                c.getInt("relative_attention_max_distance", 128),
                (float) c.getDouble("layer_norm_epsilon", 1e-6),
                gated,
                act,
                Activations.byName(act, c.path() + " key 'feed_forward_proj'"));
        if (out.relativeAttentionNumBuckets < 4) {
            throw new ConfigException(c.path() + ": relative_attention_num_buckets must be at least 4");
        }
        return out;
    }

    /** Width of the attention projections, num_heads · d_kv (need not equal d_model). */
    public int innerDim() {
        return numHeads * dKv;
    }
}
