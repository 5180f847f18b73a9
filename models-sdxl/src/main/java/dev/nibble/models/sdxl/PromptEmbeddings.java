package dev.nibble.models.sdxl;

import dev.nibble.engine.tensor.Tensor;

import java.util.Objects;

/**
 * StableDiffusionXLPipeline.encode_prompt's four results: the concatenated penultimate hidden states of
 * both CLIP encoders [B, L, D1 + D2] and text_encoder_2's pooled projection [B, P], for the prompt and
 * (with classifier-free guidance) the negative prompt; the negative pair is null without guidance.
 */
public record PromptEmbeddings(Tensor promptEmbeds, Tensor pooledPromptEmbeds, Tensor negativePromptEmbeds,
                               Tensor negativePooledPromptEmbeds) {
    public PromptEmbeddings {
        Objects.requireNonNull(promptEmbeds, "promptEmbeds");
        Objects.requireNonNull(pooledPromptEmbeds, "pooledPromptEmbeds");
        if (promptEmbeds.shape().rank() != 3 || pooledPromptEmbeds.shape().rank() != 2
                || promptEmbeds.shape().dim(0) != pooledPromptEmbeds.shape().dim(0)) {
            throw new IllegalArgumentException("expected prompt_embeds [B, L, D] and pooled_prompt_embeds [B, P], got "
                    + promptEmbeds.spec() + " and " + pooledPromptEmbeds.spec());
        }
        if ((negativePromptEmbeds == null) != (negativePooledPromptEmbeds == null)) {
            throw new IllegalArgumentException("give both negative embeddings or neither");
        }
        if (negativePromptEmbeds != null && (!negativePromptEmbeds.shape().equals(promptEmbeds.shape())
                || !negativePooledPromptEmbeds.shape().equals(pooledPromptEmbeds.shape()))) {
            throw new IllegalArgumentException("negative embeddings " + negativePromptEmbeds.spec() + ", "
                    + negativePooledPromptEmbeds.spec() + " must match the prompt's " + promptEmbeds.spec() + ", "
                    + pooledPromptEmbeds.spec());
        }
    }

    public int batch() {
        return promptEmbeds.shape().dim(0);
    }

    public int textLength() {
        return promptEmbeds.shape().dim(1);
    }

    public boolean hasNegative() {
        return negativePromptEmbeds != null;
    }
}
