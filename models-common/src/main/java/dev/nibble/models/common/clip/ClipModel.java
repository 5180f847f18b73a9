package dev.nibble.models.common.clip;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.ComponentFolder;
import dev.nibble.models.common.nn.Weights;

import java.nio.file.Path;

/**
 * transformers' CLIPModel: the text tower ({@code text_model.*}, {@link ClipTextModel}) and the vision tower
 * ({@code vision_model.*}, {@link ClipVisionModel}), each followed by its bias-free projection into the shared
 * embedding space ({@code text_projection}, {@code visual_projection}, both [projection_dim, hidden]).
 * {@link #textFeatures} and {@link #imageFeatures} are the library's get_text_features and
 * get_image_features. {@code logit_scale} is not used (a CLIP score is the plain cosine).
 *
 * <p>A folder as published on the Hugging Face hub (e.g. openai/clip-vit-large-patch14): config.json with
 * {@code text_config}, {@code vision_config} and {@code projection_dim}, and model.safetensors (or a sharded
 * index). Every size comes from config.json.
 */
public final class ClipModel implements AutoCloseable {
    private final ClipConfig config;
    private final ClipTextModel text;
    private final ClipVisionModel vision;
    private final AutoCloseable resources;

    private ClipModel(ClipConfig config, Weights weights, AutoCloseable resources) {
        this.config = config;
        // both projections are part of a CLIPModel: a missing one is named with the file, not silently skipped
        weights.get("text_projection.weight");
        weights.get("visual_projection.weight");
        ClipEncoder.requireBiases(weights.under("text_model"), config.text());
        this.text = ClipTextModel.of(config.text(), weights);
        this.vision = ClipVisionModel.of(config.vision(), weights);
        this.resources = resources;
    }

    /** Loads a CLIPModel folder (config.json + model.safetensors or a sharded index). */
    public static ClipModel load(Path dir) {
        ComponentFolder folder = ComponentFolder.open(dir);
        try {
            ClipModel m = new ClipModel(ClipConfig.from(folder.config()), folder.weights(), folder);
            folder.warnUnused("CLIPModel", n -> n.endsWith("position_ids") || n.equals("logit_scale"));
            return m;
        } catch (RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    /** A model over weights already in hand (tests, converted checkpoints); nothing is closed with it. */
    public static ClipModel of(ClipConfig config, Weights weights) {
        return new ClipModel(config, weights, () -> { });
    }

    public ClipConfig config() {
        return config;
    }

    public ClipTextModel textModel() {
        return text;
    }

    public ClipVisionModel visionModel() {
        return vision;
    }

    /**
     * get_text_features: text_projection of the final-layer-normed hidden state at each row's pooled (EOS)
     * position ({@link ClipTextModel#poolPositions}); [B, projection_dim].
     *
     * @param ids integer [B, L]; padding after the EOS token does not change the result (causal attention)
     */
    public Tensor textFeatures(Tensor ids, Executor executor) {
        return text.encode(ids, null, false, executor).textEmbeds();
    }

    /** get_image_features: visual_projection of the post-layer-normed class token; [B, projection_dim]. */
    public Tensor imageFeatures(Tensor pixelValues, Executor executor) {
        return vision.encode(pixelValues, executor).imageEmbeds();
    }

    @Override
    public void close() {
        try {
            text.close();
            vision.close();
        } finally {
            try {
                resources.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + this + " failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "CLIPModel[" + config + "]";
    }
}
