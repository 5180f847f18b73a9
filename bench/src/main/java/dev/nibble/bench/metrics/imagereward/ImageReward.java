package dev.nibble.bench.metrics.imagereward;

import dev.nibble.bench.metrics.PromptImageScore;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.RunResult;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;
import dev.nibble.models.common.nn.GraphCache;
import dev.nibble.models.common.nn.SafetensorsWeights;
import dev.nibble.models.common.nn.Weights;
import dev.nibble.models.common.tokenizer.BertWordPieceTokenizer;
import dev.nibble.models.common.tokenizer.TokenizedBatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * ImageReward (Xu et al., "ImageReward: Learning and Evaluating Human Preferences for Text-to-Image
 * Generation", NeurIPS 2023; the {@code image-reward} package, model "ImageReward-v1.0"): a human-preference
 * score of an image for a prompt, higher is better, shifted and scaled by the two constants of
 * {@code ImageReward.py}. It runs as one engine graph on the executor's device, with {@code ImageReward.score}'s
 * steps:
 *
 * <ol>
 *   <li>the image goes through BLIP's CLIP-style transform ({@link ImagePreprocessor}: Pillow bicubic resize of
 *       the shorter side to 224, centre crop, CLIP mean/std) and BLIP's ViT-L/16 ({@link BlipVisionEncoder});</li>
 *   <li>the prompt is tokenised by bert-base-uncased's WordPiece with BLIP's two added tokens, padded and
 *       truncated to 35 ids: {@code [CLS] … [SEP] [PAD]…}. The first id stays {@code [CLS]} — ImageReward's
 *       score passes the tokenizer's ids to the text encoder as they are, it does not swap in {@code [ENC]} as
 *       BLIP's own image-text matching head does;</li>
 *   <li>BLIP's BERT text encoder with a cross-attention to all image tokens in every layer
 *       ({@link BlipTextEncoder}) encodes the prompt; its last hidden state at the first position is the
 *       feature;</li>
 *   <li>the reward MLP ({@link RewardHead}, five linear layers without activations) maps it to one number, and
 *       {@code (reward − 0.16717362830052426) / 1.0333394966054072} ({@link RewardNormalization}) is the score.</li>
 * </ol>
 *
 * <h2>Files (supplied by the user)</h2>
 * <ul>
 *   <li>The checkpoint {@code ImageReward.pt} (Hugging Face {@code THUDM/ImageReward}), converted to
 *       safetensors once; its state-dict names are kept ({@code blip.visual_encoder.*},
 *       {@code blip.text_encoder.*}, {@code mlp.layers.*}; the unused {@code blip.vision_proj},
 *       {@code blip.text_proj} and {@code position_ids} may stay in the file):
 * <pre>
 *   python -c "import torch; from safetensors.torch import save_file; sd = torch.load('ImageReward.pt', map_location='cpu'); save_file({k: v.contiguous() for k, v in sd.items()}, 'ImageReward.safetensors')"
 * </pre></li>
 *   <li>bert-base-uncased's {@code vocab.txt} (30522 lines; Hugging Face {@code google-bert/bert-base-uncased}).</li>
 * </ul>
 *
 * <p>Correctness: the tests run a miniature of this network (the same code with a small
 * {@link ImageRewardConfig}) against a PyTorch re-implementation of ImageReward's forward pass on
 * deterministic weights ({@code bench/src/test/python/make_imagereward_fixtures.py}); the real packages could
 * not be run where this was written, so agreement with {@code image-reward} itself on the released checkpoint
 * is not measured.
 */
public final class ImageReward implements PromptImageScore {
    /** Images per engine run; a remainder runs one image at a time, so at most two graphs are compiled. */
    public static final int BATCH = 4;
    /** The tokens BLIP's {@code init_tokenizer} adds to bert-base-uncased, in order ([DEC] = 30522, [ENC] = 30523). */
    public static final List<String> ADDED_TOKENS = List.of("[DEC]", "[ENC]");

    /** The graph's outputs for one batch: raw MLP outputs [B], features [B·hidden], image embeddings [B·T·W]. */
    record Forward(float[] raw, float[] features, float[] imageEmbeds) {
    }

    private final ImageRewardConfig config;
    private final Weights weights;
    private final BertWordPieceTokenizer tokenizer;
    private final Executor executor;
    private final AutoCloseable owned;
    private final ImagePreprocessor preprocessor;
    private final RewardNormalization normalization;
    private final GraphCache<Integer> graphs = new GraphCache<>(this::build, 2);

    /**
     * Checks every tensor the network needs now, so a wrong checkpoint fails here naming the tensor.
     *
     * @param weights   ImageReward's state dict (names as in ImageReward.pt)
     * @param tokenizer BLIP's tokenizer ({@link #tokenizer(Path)})
     * @param owned     closed with this object (the weights file), may be null
     */
    public ImageReward(ImageRewardConfig config, Weights weights, BertWordPieceTokenizer tokenizer, Executor executor,
                       AutoCloseable owned) {
        this.config = Objects.requireNonNull(config);
        this.weights = Objects.requireNonNull(weights);
        this.tokenizer = Objects.requireNonNull(tokenizer);
        this.executor = Objects.requireNonNull(executor);
        this.owned = owned;
        if (tokenizer.size() > config.vocabSize()) {
            throw new IllegalArgumentException("the vocabulary has " + tokenizer.size() + " tokens with "
                    + ADDED_TOKENS + " but the text encoder embeds only " + config.vocabSize());
        }
        this.preprocessor = new ImagePreprocessor(config.imageSize());
        this.normalization = RewardNormalization.of(config);
        graphs.graph(1);
    }

    /** ImageReward-v1.0 from the converted checkpoint and bert-base-uncased's vocab.txt (see the class comment). */
    public static ImageReward load(Path checkpointSafetensors, Path vocabTxt, Executor executor) {
        return load(checkpointSafetensors, vocabTxt, executor, ImageRewardConfig.V1_0);
    }

    /** As {@link #load(Path, Path, Executor)} for a network of other sizes. */
    public static ImageReward load(Path checkpointSafetensors, Path vocabTxt, Executor executor,
                                   ImageRewardConfig config) {
        BertWordPieceTokenizer tok = tokenizer(vocabTxt);
        SafetensorsWeights w = SafetensorsWeights.open(checkpointSafetensors);
        try {
            return new ImageReward(config, w, tok, executor, w);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /** BLIP's {@code init_tokenizer()}: uncased WordPiece over {@code vocabTxt} plus [DEC] and [ENC]. */
    public static BertWordPieceTokenizer tokenizer(Path vocabTxt) {
        return BertWordPieceTokenizer.load(vocabTxt, true, ADDED_TOKENS);
    }

    @Override
    public String metric() {
        return "ImageReward";
    }

    @Override
    public String definition() {
        return "ImageReward-v1.0's human-preference reward of each image for its prompt, (r − 0.1672) / 1.0333";
    }

    @Override
    public String describe() {
        ImageRewardConfig c = config;
        return String.format(java.util.Locale.ROOT, "ImageReward: BLIP ViT %d layers, width %d, patch %d, %d px; BERT %d "
                + "layers, width %d, %d tokens", c.visionDepth(), c.visionWidth(), c.patchSize(), c.imageSize(),
                c.textLayers(), c.textHidden(), c.maxLength());
    }

    @Override
    public double[] scores(List<ChwImage> images, List<String> prompts, PixelRange range) {
        return score(images, range, prompts);
    }

    public ImageRewardConfig config() {
        return config;
    }

    /** The score of one image for one prompt. */
    public double score(ChwImage image, PixelRange range, String prompt) {
        return score(List.of(image), range, List.of(prompt))[0];
    }

    /** The scores of several images for one prompt (what {@code inference_rank} ranks). */
    public double[] score(List<ChwImage> images, PixelRange range, String prompt) {
        return score(images, range, Collections.nCopies(images.size(), Objects.requireNonNull(prompt)));
    }

    /** The score of each image for the prompt at the same index. */
    public synchronized double[] score(List<ChwImage> images, PixelRange range, List<String> prompts) {
        if (images.size() != prompts.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + prompts.size() + " prompts");
        }
        double[] out = new double[images.size()];
        int from = 0;
        while (from < images.size()) {
            int n = images.size() - from >= BATCH ? BATCH : 1;
            List<float[]> pixels = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                pixels.add(preprocessor.apply(images.get(from + i), range));
            }
            Forward f = forward(pixels, prompts.subList(from, from + n));
            for (int i = 0; i < n; i++) {
                out[from + i] = normalization.apply(f.raw()[i]);
            }
            from += n;
        }
        return out;
    }

    /** The normalised [3, n, n] pixels the network sees for {@code image}. */
    float[] preprocess(ChwImage image, PixelRange range) {
        return preprocessor.apply(image, range);
    }

    /** The padded ids and mask of prompts, as {@code tokenizer(..., padding="max_length", truncation=True)}. */
    TokenizedBatch tokenize(List<String> prompts) {
        return tokenizer.encodeBatch(prompts, config.maxLength(), true, true);
    }

    /** One engine run over preprocessed images and their prompts. */
    synchronized Forward forward(List<float[]> pixels, List<String> prompts) {
        int b = pixels.size();
        int n = config.imageSize();
        int plane = 3 * n * n;
        float[] x = new float[b * plane];
        for (int i = 0; i < b; i++) {
            System.arraycopy(pixels.get(i), 0, x, i * plane, plane);
        }
        TokenizedBatch tokens = tokenize(prompts);
        int length = config.maxLength();
        long[] mask = tokens.flatAttentionMask();
        float[] additive = new float[mask.length];
        for (int i = 0; i < mask.length; i++) {
            additive[i] = mask[i] != 0 ? 0f : BlipTextEncoder.MASKED;
        }
        Map<String, Tensor> in = new HashMap<>();
        in.put("pixels", Tensor.ofFloats(Shape.of(b, 3, n, n), x));
        in.put("input_ids", Tensor.ofLongs(Shape.of(b, length), tokens.flatInputIds()));
        in.put("attention_mask", Tensor.ofFloats(Shape.of(b, 1, 1, length), additive));
        RunResult r = graphs.compiled(executor, b).run(in);
        return new Forward(r.output(0).toFloatArray(), r.output(1).toFloatArray(), r.output(2).toFloatArray());
    }

    private Graph build(int batch) {
        GraphBuilder g = new GraphBuilder();
        int n = config.imageSize();
        int length = config.maxLength();
        Value pixels = g.input("pixels", DType.F32, batch, 3, n, n);
        Value ids = g.input("input_ids", DType.I64, batch, length);
        Value mask = g.input("attention_mask", DType.F32, batch, 1, 1, length);
        Value image;
        try (var s = g.scope("blip.visual_encoder")) {
            image = BlipVisionEncoder.forward(g, weights.under("blip.visual_encoder"), pixels, config);
        }
        Value text;
        try (var s = g.scope("blip.text_encoder")) {
            text = BlipTextEncoder.forward(g, weights.under("blip.text_encoder"), ids, mask, image, config);
        }
        Value features = g.reshape(g.slice(text, 1, 0, 1), batch, config.textHidden());
        Value raw;
        try (var s = g.scope("mlp")) {
            raw = RewardHead.forward(g, weights.under("mlp"), features, config.headSizes());
        }
        return g.build(g.reshape(raw, batch), features, image);
    }

    @Override
    public synchronized void close() {
        graphs.close();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the ImageReward weights failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "ImageReward" + config;
    }
}
