package dev.nibble.models.flux;

import dev.nibble.engine.exec.Executor;

import java.util.List;

/**
 * The text stage of the FLUX pipeline: prompts → CLIP pooled + T5 sequence embeddings. An interface so
 * the denoising part of {@link FluxPipeline} can be driven (and tested) with embeddings from elsewhere.
 */
public interface FluxTextEncoder extends AutoCloseable {
    /**
     * FluxPipeline.encode_prompt for one prompt per image: CLIP tokens padded/truncated to 77 and its
     * pooler output; T5 tokens padded/truncated to {@code maxSequenceLength} and its last hidden state.
     */
    PromptEmbeddings encode(Executor executor, List<String> prompts, int maxSequenceLength);

    /** Frees the device memory the encoders hold for {@code executor}; the next call sets it up again. */
    void release(Executor executor);

    @Override
    default void close() {
    }
}
