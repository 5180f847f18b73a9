package dev.nibble.bench.metrics;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.SafetensorsException;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.clip.ClipConfig;
import dev.nibble.models.common.clip.ClipImageProcessor;
import dev.nibble.models.common.clip.ClipModel;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;
import dev.nibble.models.common.tokenizer.ClipTokenizer;
import dev.nibble.models.common.tokenizer.TokenizerException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * CLIP score as torchmetrics defines it (Hessel et al. 2021 without the 2.5 weight): for an image and its
 * prompt, {@code 100 · max(cos(E_image, E_text), 0)}, where the embeddings are transformers' CLIPModel
 * get_image_features and get_text_features. The image is preprocessed as CLIPImageProcessor does
 * ({@link ClipImageProcessor}: 8-bit RGB, shortest side to image_size with Pillow's bicubic, centre crop,
 * CLIP's mean and std); the prompt is tokenized by CLIP's tokenizer with truncation to 77 tokens (the
 * tokenizer's model_max_length, at most the text config's max_position_embeddings) and pooled at its EOS token.
 *
 * <p>Scores are per image: each pair is {@code torchmetrics.functional.multimodal.clip_score(image, prompt)}
 * on its own. Differences from torchmetrics' code (1.x), both immaterial for ordinary prompts: its CLIPScore over
 * a batch clamps the batch mean, {@code max(mean(100 · cos), 0)}, where this clamps each pair (with a trained
 * CLIP the cosines of image/prompt pairs are positive, so the mean of these scores is torchmetrics' batch score),
 * and it cuts the ids of an over-long prompt to max_position_embeddings after tokenizing, which drops the EOS
 * token, where this truncates in the tokenizer (keeping the EOS, as {@code processor(text, truncation=True)}
 * does). Images are scored as 8-bit RGB, as the processor sees PNGs. The preprocessing is CLIPImageProcessor's
 * PIL backend (transformers 4.x's CLIPImageProcessor; {@code CLIPImageProcessorPil} in 5.x): transformers 5
 * picks its torchvision backend instead when torchvision is installed, whose bicubic resize differs from
 * Pillow's by about one 8-bit level when downscaling and more when upscaling.
 *
 * <h2>Weights (supplied by the user; nothing is downloaded)</h2>
 * The usual CLIP score model is openai/clip-vit-large-patch14 on the Hugging Face hub
 * (https://huggingface.co/openai/clip-vit-large-patch14). Put four of its files into one folder:
 * <pre>
 *   config.json  model.safetensors  vocab.json  merges.txt
 * </pre>
 * ({@code tokenizer_config.json} and {@code special_tokens_map.json} are read too when present; other CLIPModel
 * checkpoints in the same layout work as well: every size comes from config.json). Then pass
 * {@code --clip-model DIR} to {@code nibble eval}.
 *
 * <p>Checked against transformers 5.18 (CLIPModel, CLIPImageProcessor, CLIPTokenizer) and torchmetrics 1.9's
 * clip_score on deterministic weights ({@code bench/src/test/python/make_clip_fixtures.py}); agreement with the
 * published checkpoint's own outputs is not measured.
 */
public final class ClipScore implements PromptImageScore {
    /** Images (or prompts) per engine run. */
    static final int BATCH = 4;
    /**
     * The files a CLIP model folder must hold; {@code tokenizer.json} may stand in for vocab.json and merges.txt
     * (a folder saved by transformers 5 has only that one).
     */
    public static final List<String> REQUIRED_FILES = List.of("config.json", "model.safetensors", "vocab.json", "merges.txt");

    private final ClipModel model;
    private final ClipTokenizer tokenizer;
    private final ClipImageProcessor processor;
    private final Executor executor;
    private final int maxLength;
    private final String name;

    /**
     * @param name how reports name the model (e.g. the folder's name)
     * @throws IllegalArgumentException when the tokenizer does not fit the text tower
     */
    public ClipScore(ClipModel model, ClipTokenizer tokenizer, Executor executor, String name) {
        this.model = Objects.requireNonNull(model);
        this.tokenizer = Objects.requireNonNull(tokenizer);
        this.executor = Objects.requireNonNull(executor);
        this.name = Objects.requireNonNull(name);
        ClipConfig c = model.config();
        this.processor = new ClipImageProcessor(c.vision().imageSize());
        this.maxLength = Math.min(c.text().maxPositionEmbeddings(), tokenizer.modelMaxLength());
        int vocab = c.text().vocabSize();
        int top = Math.max(tokenizer.bosId(), Math.max(tokenizer.eosId(), tokenizer.padId()));
        if (tokenizer.vocabSize() > vocab || top >= vocab) {
            throw new IllegalArgumentException("the tokenizer (" + tokenizer.vocabSize() + " tokens, special ids up to "
                    + top + ") does not fit text_config.vocab_size " + vocab + ": vocab.json and model belong to different models");
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("max length " + maxLength + " leaves no room for the start and end tokens");
        }
    }

    /** Loads a folder holding config.json, model.safetensors, vocab.json and merges.txt (see the class comment). */
    public static ClipScore load(Path dir, Executor executor) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no such folder (a CLIP model folder holds " + String.join(", ", REQUIRED_FILES) + ")");
        }
        List<String> missing = new ArrayList<>();
        boolean fastTokenizer = Files.isRegularFile(dir.resolve("tokenizer.json"))
                && !Files.exists(dir.resolve("vocab.json")) && !Files.exists(dir.resolve("merges.txt"));
        for (String f : REQUIRED_FILES) {
            boolean sharded = f.equals("model.safetensors") && Files.isRegularFile(dir.resolve("model.safetensors.index.json"));
            boolean inTokenizerJson = fastTokenizer && (f.equals("vocab.json") || f.equals("merges.txt"));
            if (!Files.isRegularFile(dir.resolve(f)) && !sharded && !inTokenizerJson) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(dir + ": not a CLIP model folder, missing " + String.join(", ", missing)
                    + " (openai/clip-vit-large-patch14 on the Hugging Face hub has all of " + String.join(", ", REQUIRED_FILES) + ")");
        }
        ClipModel model = null;
        try {
            model = ClipModel.load(dir);
            ClipTokenizer tok = ClipTokenizer.load(dir);
            Path name = dir.toAbsolutePath().normalize().getFileName();
            return new ClipScore(model, tok, executor, name == null ? dir.toString() : name.toString());
        } catch (ConfigException | TokenizerException | SafetensorsException | IllegalArgumentException e) {
            if (model != null) {
                model.close();
            }
            String m = String.valueOf(e.getMessage());
            throw new IllegalArgumentException(m.contains(dir.toString()) ? m : dir + ": " + m, e);
        }
    }

    /** How reports name the model. */
    public String name() {
        return name;
    }

    public ClipConfig config() {
        return model.config();
    }

    @Override
    public String metric() {
        return "CLIP score";
    }

    @Override
    public String definition() {
        return "100·max(cos, 0) of the CLIP image and prompt embeddings, torchmetrics' CLIPScore per image";
    }

    /** One line on the model for report footnotes. */
    @Override
    public String describe() {
        ClipConfig c = model.config();
        return String.format(Locale.ROOT, "%s: ViT %d layers, width %d, patch %d, %d px; text %d layers, width %d; "
                        + "embedding %d", name, c.vision().numHiddenLayers(), c.vision().hiddenSize(), c.vision().patchSize(),
                c.vision().imageSize(), c.text().numHiddenLayers(), c.text().hiddenSize(), c.projectionDim());
    }

    /** {@code 100 · max(cos, 0)} of each image with the prompt at the same index. */
    @Override
    public double[] scores(List<ChwImage> images, List<String> prompts, PixelRange range) {
        if (images.size() != prompts.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + prompts.size() + " prompts");
        }
        float[][] im = imageEmbeds(images, range);
        float[][] tx = textEmbeds(prompts);
        double[] out = new double[im.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = score(im[i], tx[i]);
        }
        return out;
    }

    /** The CLIP score of one image against one prompt. */
    public double score(ChwImage image, String prompt, PixelRange range) {
        return scores(List.of(image), List.of(prompt), range)[0];
    }

    /** {@code 100 · max(cos(a, b), 0)}. */
    public static double score(float[] imageEmbed, float[] textEmbed) {
        return 100 * Math.max(cosine(imageEmbed, textEmbed), 0);
    }

    /** Cosine similarity in double (torchmetrics normalises each embedding by its L2 norm, then takes the dot product). */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("embeddings differ in length: " + a.length + " and " + b.length);
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / (Math.sqrt(na) * Math.sqrt(nb));
    }

    /** get_image_features of each image (RGB, any size), one row of projection_dim per image. */
    public synchronized float[][] imageEmbeds(List<ChwImage> images, PixelRange range) {
        float[][] out = new float[images.size()][];
        for (int from = 0; from < images.size(); from += BATCH) {
            List<ChwImage> part = images.subList(from, Math.min(images.size(), from + BATCH));
            rows(model.imageFeatures(processor.pixelValues(part, range), executor), out, from);
        }
        return out;
    }

    /** get_text_features of each prompt, one row of projection_dim per prompt. */
    public synchronized float[][] textEmbeds(List<String> prompts) {
        float[][] out = new float[prompts.size()][];
        for (int from = 0; from < prompts.size(); from += BATCH) {
            int n = Math.min(BATCH, prompts.size() - from);
            long[] ids = new long[n * maxLength];
            for (int i = 0; i < n; i++) {
                long[] row = inputIds(prompts.get(from + i));
                System.arraycopy(row, 0, ids, i * maxLength, maxLength);
            }
            rows(model.textFeatures(Tensor.ofLongs(Shape.of(n, maxLength), ids), executor), out, from);
        }
        return out;
    }

    /**
     * The prompt's ids as the text tower gets them: start token, BPE ids truncated so that the end token
     * fits in the max length, end token, then the pad token up to the max length. The padding does not change
     * the pooled (EOS) output: attention is causal.
     */
    public long[] inputIds(String prompt) {
        int[] ids = tokenizer.encodeForModel(prompt, maxLength, true, true);
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }

    private static void rows(Tensor t, float[][] out, int from) {
        int n = t.shape().dim(0);
        int d = t.shape().dim(1);
        float[] all = t.toFloatArray();
        for (int i = 0; i < n; i++) {
            out[from + i] = java.util.Arrays.copyOfRange(all, i * d, (i + 1) * d);
        }
    }

    @Override
    public synchronized void close() {
        model.close();
    }

    @Override
    public String toString() {
        return "ClipScore[" + describe() + "]";
    }
}
