package dev.nibble.models.flux;

import dev.nibble.engine.tensor.Tensor;

import java.util.Objects;

/**
 * FluxPipeline.encode_prompt's result: T5 sequence embeddings {@code prompt_embeds} [B, Lt, joint_dim]
 * and CLIP pooled embeddings {@code pooled_prompt_embeds} [B, pooled_dim]. (text_ids are always zeros.)
 */
public record PromptEmbeddings(Tensor promptEmbeds, Tensor pooledPromptEmbeds) {
    public PromptEmbeddings {
        Objects.requireNonNull(promptEmbeds, "promptEmbeds");
        Objects.requireNonNull(pooledPromptEmbeds, "pooledPromptEmbeds");
        if (promptEmbeds.shape().rank() != 3 || pooledPromptEmbeds.shape().rank() != 2
                || promptEmbeds.shape().dim(0) != pooledPromptEmbeds.shape().dim(0)) {
            throw new IllegalArgumentException("expected prompt_embeds [B, L, D] and pooled_prompt_embeds [B, P], got "
                    + promptEmbeds.spec() + " and " + pooledPromptEmbeds.spec());
        }
    }

    public int batch() {
        return promptEmbeds.shape().dim(0);
    }

    public int textSeqLen() {
        return promptEmbeds.shape().dim(1);
    }
}
