package dev.nibble.models.flux;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.clip.ClipTextModel;
import dev.nibble.models.common.t5.T5EncoderModel;
import dev.nibble.models.common.tokenizer.ClipTokenizer;
import dev.nibble.models.common.tokenizer.T5Tokenizer;
import dev.nibble.models.common.tokenizer.TokenizedBatch;

import java.util.List;

/**
 * FluxPipeline.encode_prompt with its two text encoders: CLIP (tokenizer + text_encoder) gives the pooled
 * embedding, T5 (tokenizer_2 + text_encoder_2) the token sequence. Both take the prompt padded to their
 * maximum length and no attention mask, as the pipeline calls them.
 */
public final class ClipT5TextEncoder implements FluxTextEncoder {
    /** FluxPipeline's fallback CLIP length when the tokenizer does not say. */
    private static final int CLIP_DEFAULT_LENGTH = 77;

    private final ClipTokenizer clipTokenizer;
    private final ClipTextModel clip;
    private final T5Tokenizer t5Tokenizer;
    private final T5EncoderModel t5;

    public ClipT5TextEncoder(ClipTokenizer clipTokenizer, ClipTextModel clip, T5Tokenizer t5Tokenizer,
                             T5EncoderModel t5) {
        this.clipTokenizer = clipTokenizer;
        this.clip = clip;
        this.t5Tokenizer = t5Tokenizer;
        this.t5 = t5;
    }

    /** The CLIP length, {@code tokenizer.model_max_length} (77). */
    public int clipLength() {
        int n = clipTokenizer.modelMaxLength();
        return n <= 0 || n == Integer.MAX_VALUE ? CLIP_DEFAULT_LENGTH : n;
    }

    /** CLIP input ids [B, 77]: padded to max_length, truncated. */
    public Tensor clipIds(List<String> prompts) {
        return ids(clipTokenizer.encodeBatch(prompts, clipLength(), true, true));
    }

    /** T5 input ids [B, maxSequenceLength]: padded to max_length, truncated. */
    public Tensor t5Ids(List<String> prompts, int maxSequenceLength) {
        return ids(t5Tokenizer.encodeBatch(prompts, maxSequenceLength, true, true));
    }

    @Override
    public PromptEmbeddings encode(Executor ex, List<String> prompts, int maxSequenceLength) {
        Tensor pooled = clip.encode(clipIds(prompts), null, false, ex).poolerOutput();
        Tensor seq = t5.encode(t5Ids(prompts, maxSequenceLength), null, ex);
        return new PromptEmbeddings(seq, pooled);
    }

    private static Tensor ids(TokenizedBatch b) {
        return Tensor.ofLongs(Shape.of(b.batchSize(), b.sequenceLength()), b.flatInputIds());
    }

    @Override
    public void release(Executor executor) {
        clip.release(executor);
        t5.release(executor);
    }

    @Override
    public void close() {
        clip.close();
        t5.close();
    }
}
