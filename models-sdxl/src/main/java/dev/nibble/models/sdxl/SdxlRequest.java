package dev.nibble.models.sdxl;

import dev.nibble.engine.tensor.Tensor;

import java.util.List;
import java.util.Objects;

/**
 * One StableDiffusionXLPipeline call (or StableDiffusionXLImg2ImgPipeline call when {@code image} is set).
 *
 * <ul>
 *   <li>{@code prompts2}, {@code negativePrompts}, {@code negativePrompts2}: null as in diffusers (prompt_2
 *       defaults to prompt; with no negative prompt and force_zeros_for_empty_prompt the negative embeddings
 *       are zeros).</li>
 *   <li>{@code height}/{@code width}: 0 takes the model default (unet sample_size · vae_scale_factor).</li>
 *   <li>{@code latents}: for text-to-image, the unscaled initial noise [B, C, h, w] (diffusers' {@code latents=},
 *       multiplied by init_noise_sigma); for image-to-image, the noise added to the image latents. Null: seeded
 *       noise from {@code seed}.</li>
 *   <li>{@code image}: [B, 3, H, W] in [0, 1] for image-to-image (null for text-to-image), noised to
 *       {@code strength}.</li>
 *   <li>{@code originalSize}, {@code cropsCoordsTopLeft}, {@code targetSize}: SDXL micro-conditioning; null
 *       sizes mean (height, width), as the pipeline defaults them.</li>
 * </ul>
 */
public record SdxlRequest(List<String> prompts, List<String> prompts2, List<String> negativePrompts,
                          List<String> negativePrompts2, int height, int width, int numInferenceSteps,
                          float guidanceScale, long seed, Tensor latents, Tensor image, double strength,
                          Size originalSize, Crop cropsCoordsTopLeft, Size targetSize) {
    /** diffusers' StableDiffusionXLPipeline defaults. */
    public static final int DEFAULT_STEPS = 50;
    public static final float DEFAULT_GUIDANCE = 5.0f;
    /** StableDiffusionXLImg2ImgPipeline's default strength. */
    public static final double DEFAULT_STRENGTH = 0.3;

    /** A (height, width) pair in pixels. */
    public record Size(int height, int width) {}

    /** crops_coords_top_left in pixels. */
    public record Crop(int top, int left) {}

    public SdxlRequest {
        prompts = List.copyOf(prompts);
        prompts2 = prompts2 == null ? null : List.copyOf(prompts2);
        negativePrompts = negativePrompts == null ? null : List.copyOf(negativePrompts);
        negativePrompts2 = negativePrompts2 == null ? null : List.copyOf(negativePrompts2);
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("at least one prompt is required");
        }
        for (List<String> l : java.util.Arrays.asList(prompts2, negativePrompts, negativePrompts2)) {
            if (l != null && l.size() != prompts.size()) {
                throw new IllegalArgumentException("prompt_2 / negative prompts must have one entry per prompt ("
                        + prompts.size() + "), got " + l.size());
            }
        }
        if (height < 0 || width < 0) {
            throw new IllegalArgumentException("height and width must be positive (0: model default), got "
                    + height + "x" + width);
        }
        if (numInferenceSteps < 1) {
            throw new IllegalArgumentException("num_inference_steps must be >= 1, got " + numInferenceSteps);
        }
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1], got " + strength);
        }
        Objects.requireNonNull(cropsCoordsTopLeft, "cropsCoordsTopLeft");
    }

    public static Builder builder(String prompt) {
        return new Builder(List.of(prompt));
    }

    public static Builder builder(List<String> prompts) {
        return new Builder(prompts);
    }

    public int batch() {
        return prompts.size();
    }

    public boolean isImageToImage() {
        return image != null;
    }

    /** Builds a request from diffusers' defaults. */
    public static final class Builder {
        private final List<String> prompts;
        private List<String> prompts2;
        private List<String> negativePrompts;
        private List<String> negativePrompts2;
        private int height;
        private int width;
        private int steps = DEFAULT_STEPS;
        private float guidance = DEFAULT_GUIDANCE;
        private long seed;
        private Tensor latents;
        private Tensor image;
        private double strength = DEFAULT_STRENGTH;
        private Size originalSize;
        private Crop crop = new Crop(0, 0);
        private Size targetSize;

        private Builder(List<String> prompts) {
            this.prompts = List.copyOf(prompts);
        }

        public Builder prompt2(String p) {
            prompts2 = List.of(p);
            return this;
        }

        public Builder prompts2(List<String> p) {
            prompts2 = p;
            return this;
        }

        public Builder negativePrompt(String p) {
            negativePrompts = java.util.Collections.nCopies(prompts.size(), p);
            return this;
        }

        public Builder negativePrompts(List<String> p) {
            negativePrompts = p;
            return this;
        }

        public Builder negativePrompt2(String p) {
            negativePrompts2 = java.util.Collections.nCopies(prompts.size(), p);
            return this;
        }

        public Builder size(int h, int w) {
            height = h;
            width = w;
            return this;
        }

        public Builder steps(int n) {
            steps = n;
            return this;
        }

        public Builder guidance(float g) {
            guidance = g;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder latents(Tensor l) {
            latents = l;
            return this;
        }

        /** Image-to-image from {@code img} [B, 3, H, W] in [0, 1]. */
        public Builder image(Tensor img, double s) {
            image = img;
            strength = s;
            return this;
        }

        public Builder originalSize(int h, int w) {
            originalSize = new Size(h, w);
            return this;
        }

        public Builder cropsCoordsTopLeft(int top, int left) {
            crop = new Crop(top, left);
            return this;
        }

        public Builder targetSize(int h, int w) {
            targetSize = new Size(h, w);
            return this;
        }

        public SdxlRequest build() {
            return new SdxlRequest(prompts, prompts2, negativePrompts, negativePrompts2, height, width, steps, guidance,
                    seed, latents, image, strength, originalSize, crop, targetSize);
        }
    }
}
