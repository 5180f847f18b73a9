package dev.nibble.models.common.clip;

import dev.nibble.engine.ops.UnaryFn;

/**
 * What CLIP's encoder layers need from their tower's config: transformers' CLIPTextConfig and
 * CLIPVisionConfig share CLIPEncoder, CLIPEncoderLayer, CLIPAttention and CLIPMLP, and differ here only
 * in the sizes and in the causal mask, which the text tower has and the vision tower has not.
 */
public sealed interface ClipEncoderConfig permits ClipTextConfig, ClipVisionConfig {
    int hiddenSize();

    int intermediateSize();

    int numHiddenLayers();

    int numAttentionHeads();

    float layerNormEps();

    /** hidden_act as an element-wise op. */
    UnaryFn activation();

    /** True when each token attends only to itself and earlier ones (the text tower). */
    boolean causal();

    default int headDim() {
        return hiddenSize() / numAttentionHeads();
    }
}
