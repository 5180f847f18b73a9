package dev.nibble.models.flux;

import dev.nibble.engine.tensor.Tensor;

import java.util.List;
import java.util.Objects;

/**
 * One FluxPipeline call. {@code latents}, when given, replace the seeded initial noise (packed
 * [B, L, 4C] or unpacked [B, C, h, w], as diffusers' {@code latents=} argument). {@code image}, when
 * given, makes it image-to-image: [B, 3, H, W] in [0, 1] at the requested size, noised to
 * {@code strength} (1 = start from pure noise).
 */
public record FluxRequest(List<String> prompts, int height, int width, int numInferenceSteps, float guidanceScale,
                          long seed, int maxSequenceLength, Tensor latents, Tensor image, double strength) {
    /** diffusers' FluxPipeline defaults. */
    public static final int DEFAULT_SIZE = 1024;
    public static final int DEFAULT_STEPS = 28;
    public static final float DEFAULT_GUIDANCE = 3.5f;
    public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 512;
    public static final double DEFAULT_STRENGTH = 0.6;

    public FluxRequest {
        prompts = List.copyOf(prompts);
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("at least one prompt is required");
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("height and width must be positive, got " + height + "x" + width);
        }
        if (numInferenceSteps < 1) {
            throw new IllegalArgumentException("num_inference_steps must be >= 1, got " + numInferenceSteps);
        }
        if (maxSequenceLength < 1 || maxSequenceLength > 512) {
            // FluxPipeline.check_inputs: T5 was trained with at most 512 tokens
            throw new IllegalArgumentException("max_sequence_length must be in 1..512, got " + maxSequenceLength);
        }
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1], got " + strength);
        }
    }

    /** Text-to-image with diffusers' defaults for everything else. */
    public static FluxRequest of(String prompt) {
        return new FluxRequest(List.of(prompt), DEFAULT_SIZE, DEFAULT_SIZE, DEFAULT_STEPS, DEFAULT_GUIDANCE, 0L,
                DEFAULT_MAX_SEQUENCE_LENGTH, null, null, DEFAULT_STRENGTH);
    }

    public FluxRequest withSize(int h, int w) {
        return new FluxRequest(prompts, h, w, numInferenceSteps, guidanceScale, seed, maxSequenceLength, latents, image,
                strength);
    }

    public FluxRequest withSteps(int n) {
        return new FluxRequest(prompts, height, width, n, guidanceScale, seed, maxSequenceLength, latents, image,
                strength);
    }

    public FluxRequest withGuidance(float g) {
        return new FluxRequest(prompts, height, width, numInferenceSteps, g, seed, maxSequenceLength, latents, image,
                strength);
    }

    public FluxRequest withSeed(long s) {
        return new FluxRequest(prompts, height, width, numInferenceSteps, guidanceScale, s, maxSequenceLength, latents,
                image, strength);
    }

    public FluxRequest withMaxSequenceLength(int n) {
        return new FluxRequest(prompts, height, width, numInferenceSteps, guidanceScale, seed, n, latents, image,
                strength);
    }

    public FluxRequest withLatents(Tensor l) {
        return new FluxRequest(prompts, height, width, numInferenceSteps, guidanceScale, seed, maxSequenceLength,
                Objects.requireNonNull(l), image, strength);
    }

    /** Image-to-image from {@code img} [B, 3, H, W] in [0, 1]. */
    public FluxRequest withImage(Tensor img, double s) {
        return new FluxRequest(prompts, height, width, numInferenceSteps, guidanceScale, seed, maxSequenceLength,
                latents, Objects.requireNonNull(img), s);
    }

    public int batch() {
        return prompts.size();
    }

    public boolean isImageToImage() {
        return image != null;
    }
}
