package dev.nibble.models.sdxl;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.ModelIndex;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.clip.ClipTextModel;
import dev.nibble.models.common.tokenizer.ClipTokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * SDXL's prompt encoding (StableDiffusionXLPipeline.encode_prompt, clip_skip none): each prompt goes
 * through tokenizer + text_encoder and prompt_2 (default: the prompt) through tokenizer_2 + text_encoder_2,
 * padded and truncated to the tokenizer's model_max_length; the penultimate hidden states
 * (hidden_states[-2]) are concatenated along the features, and the pooled embedding is the projected
 * text_embeds of the first encoder that has a projection (text_encoder_2). The refiner layout with only
 * tokenizer_2/text_encoder_2 is handled the same way.
 */
public final class SdxlTextEncoders implements AutoCloseable {
    /** One tokenizer + CLIP encoder pair. */
    public record Encoder(ClipTokenizer tokenizer, ClipTextModel model) {}

    private final List<Encoder> encoders;

    public SdxlTextEncoders(List<Encoder> encoders) {
        if (encoders.isEmpty()) {
            throw new IllegalArgumentException("at least one text encoder is required");
        }
        this.encoders = List.copyOf(encoders);
        if (this.encoders.stream().noneMatch(e -> e.model().hasProjection())) {
            throw new IllegalArgumentException("no text encoder with a projection (CLIPTextModelWithProjection): "
                    + "SDXL's pooled embedding comes from one");
        }
    }

    /** tokenizer/text_encoder (when present) and tokenizer_2/text_encoder_2 of a pipeline folder. */
    public static SdxlTextEncoders load(ModelIndex index) {
        List<Encoder> list = new ArrayList<>();
        try {
            if (index.hasComponent("text_encoder") != index.hasComponent("tokenizer")) {
                throw new ConfigException(index.path() + ": tokenizer and text_encoder must both be present or both absent");
            }
            if (index.hasComponent("text_encoder")) {
                list.add(new Encoder(ClipTokenizer.load(index.componentDir("tokenizer")),
                        ClipTextModel.load(index.componentDir("text_encoder"))));
            }
            list.add(new Encoder(ClipTokenizer.load(index.componentDir("tokenizer_2")),
                    ClipTextModel.load(index.componentDir("text_encoder_2"))));
            return new SdxlTextEncoders(list);
        } catch (RuntimeException e) {
            list.forEach(x -> x.model().close());
            throw e;
        }
    }

    public List<Encoder> encoders() {
        return encoders;
    }

    /** Sum of the encoders' hidden sizes: the width of prompt_embeds (the U-Net's cross_attention_dim). */
    public int embedDim() {
        return encoders.stream().mapToInt(e -> e.model().config().hiddenSize()).sum();
    }

    /** projection_dim of the pooling encoder. */
    public int pooledDim() {
        return pooling().model().config().projectionDim();
    }

    private Encoder pooling() {
        return encoders.stream().filter(e -> e.model().hasProjection()).findFirst().orElseThrow();
    }

    /**
     * encode_prompt with classifier-free guidance when {@code cfg}.
     *
     * @param prompt2          null: the prompts
     * @param negative         null: zeros when {@code forceZerosForEmptyPrompt}, else ""
     * @param negative2        null: the negative prompts
     */
    public PromptEmbeddings encode(Executor ex, List<String> prompt, List<String> prompt2, List<String> negative,
                                   List<String> negative2, boolean cfg, boolean forceZerosForEmptyPrompt) {
        Encoded pos = encodePair(ex, prompt, prompt2 == null ? prompt : prompt2, -1);
        if (!cfg) {
            return new PromptEmbeddings(pos.embeds, pos.pooled, null, null);
        }
        if (negative == null && forceZerosForEmptyPrompt) {
            return new PromptEmbeddings(pos.embeds, pos.pooled, HostTensors.zerosLike(pos.embeds),
                    HostTensors.zerosLike(pos.pooled));
        }
        List<String> neg = negative == null ? Collections.nCopies(prompt.size(), "") : negative;
        List<String> neg2 = negative2 == null ? neg : negative2;
        // the negative prompt is padded to prompt_embeds.shape[1], i.e. the same length
        Encoded negEnc = encodePair(ex, neg, neg2, pos.embeds.shape().dim(1));
        return new PromptEmbeddings(pos.embeds, pos.pooled, negEnc.embeds, negEnc.pooled);
    }

    private record Encoded(Tensor embeds, Tensor pooled) {}

    private Encoded encodePair(Executor ex, List<String> first, List<String> second, int maxLength) {
        List<Tensor> hidden = new ArrayList<>();
        Tensor pooled = null;
        for (int i = 0; i < encoders.size(); i++) {
            // with one encoder only (refiner) it takes prompt_2, as diffusers zips [prompt, prompt_2] with it
            List<String> texts = encoders.size() == 1 ? second : (i == 0 ? first : second);
            Encoder e = encoders.get(i);
            ClipTextModel.Output out = e.model().encode(inputIds(i, texts, maxLength), ex);
            hidden.add(out.hiddenState(-2));
            if (pooled == null && e.model().hasProjection()) {
                pooled = out.textEmbeds();
            }
        }
        return new Encoded(HostTensors.concatLast(hidden.toArray(Tensor[]::new)), pooled);
    }

    /**
     * The ids encoder {@code index} sees for {@code texts}: tokenizer(text, padding="max_length",
     * max_length=..., truncation=True).input_ids.
     *
     * @param maxLength −1: the tokenizer's model_max_length
     */
    public long[][] inputIds(int index, List<String> texts, int maxLength) {
        ClipTokenizer tok = encoders.get(index).tokenizer();
        int len = maxLength > 0 ? maxLength : tok.modelMaxLength();
        long[][] ids = new long[texts.size()][];
        for (int b = 0; b < ids.length; b++) {
            int[] row = tok.encodeForModel(texts.get(b), len, true, true);
            ids[b] = new long[row.length];
            for (int j = 0; j < row.length; j++) {
                ids[b][j] = row[j];
            }
        }
        return ids;
    }

    /** Frees the encoders' device memory for {@code ex}; the next call sets it up again. */
    public void release(Executor ex) {
        encoders.forEach(e -> e.model().release(ex));
    }

    @Override
    public void close() {
        encoders.forEach(e -> e.model().close());
    }
}
