package dev.nibble.app.generate;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One image to make. Null fields take the model's defaults ({@link ModelInfo}): size, steps, guidance,
 * strength; a null seed draws a random one (reported in the result).
 *
 * @param model          a pipeline folder, or null / {@value BuiltInModel#NAME} for the built-in model
 * @param prompt         the prompt (may be empty)
 * @param negativePrompt SDXL's negative prompt; ignored (with a warning) by FLUX
 * @param width          image width in pixels
 * @param height         image height in pixels
 * @param steps          denoising steps of the full schedule (image-to-image runs the last strength · steps)
 * @param seed           noise seed
 * @param guidance       guidance scale: FLUX-dev's guidance embedding, SDXL's classifier-free guidance;
 *                       guidance-free FLUX models (schnell, the built-in) ignore it with a warning
 * @param image          image-to-image input (PNG/JPEG), resized to the target size
 * @param sketch         sketch-to-image input: cleaned up ({@link InputImages#cleanSketch}), then image-to-image
 * @param strength       how far the input is noised, in (0, 1] (1: pure noise); needs image or sketch
 * @param backend        backend name or "auto"
 * @param strict         fail instead of falling back to the CPU for unsupported nodes
 * @param precision      fp32, bf16 or svdq-int4
 * @param timing         per-node timing in the executor
 * @param weightBudgetBytes at most this many weight bytes resident on the device (0: all resident)
 * @param loras          LoRAs applied to the denoiser ({@code --lora FILE[:SCALE]}), in order; empty: none
 */
public record GenerationRequest(String model, String prompt, String negativePrompt, Integer width, Integer height,
                                Integer steps, Long seed, Float guidance, Path image, Path sketch, Double strength,
                                String backend, boolean strict, String precision, boolean timing,
                                long weightBudgetBytes, List<LoraSpec> loras) {
    public GenerationRequest {
        if (weightBudgetBytes < 0) {
            throw new IllegalArgumentException("weight budget must be >= 0, got " + weightBudgetBytes);
        }
        Objects.requireNonNull(prompt, "prompt");
        backend = backend == null ? "auto" : backend;
        precision = precision == null ? "fp32" : precision;
        loras = loras == null ? List.of() : List.copyOf(loras);
    }

    public static Builder builder(String prompt) {
        return new Builder(prompt);
    }

    /** A builder starting from this request. */
    public Builder toBuilder() {
        Builder b = new Builder(prompt);
        b.model = model;
        b.negativePrompt = negativePrompt;
        b.width = width;
        b.height = height;
        b.steps = steps;
        b.seed = seed;
        b.guidance = guidance;
        b.image = image;
        b.sketch = sketch;
        b.strength = strength;
        b.backend = backend;
        b.strict = strict;
        b.precision = precision;
        b.timing = timing;
        b.weightBudgetBytes = weightBudgetBytes;
        b.loras = loras;
        return b;
    }

    /** Text-to-image, image-to-image or sketch-to-image. */
    public String mode() {
        return sketch != null ? "sketch-to-image" : image != null ? "image-to-image" : "text-to-image";
    }

    public static final class Builder {
        private final String prompt;
        private String model;
        private String negativePrompt;
        private Integer width;
        private Integer height;
        private Integer steps;
        private Long seed;
        private Float guidance;
        private Path image;
        private Path sketch;
        private Double strength;
        private String backend = "auto";
        private boolean strict;
        private String precision = "fp32";
        private boolean timing;
        private long weightBudgetBytes;
        private List<LoraSpec> loras = List.of();

        private Builder(String prompt) {
            this.prompt = prompt;
        }

        public Builder model(String m) {
            model = m;
            return this;
        }

        public Builder negativePrompt(String p) {
            negativePrompt = p;
            return this;
        }

        public Builder size(Integer w, Integer h) {
            width = w;
            height = h;
            return this;
        }

        public Builder steps(Integer n) {
            steps = n;
            return this;
        }

        public Builder seed(Long s) {
            seed = s;
            return this;
        }

        public Builder guidance(Float g) {
            guidance = g;
            return this;
        }

        public Builder image(Path p) {
            image = p;
            return this;
        }

        public Builder sketch(Path p) {
            sketch = p;
            return this;
        }

        public Builder strength(Double s) {
            strength = s;
            return this;
        }

        public Builder backend(String b) {
            backend = b;
            return this;
        }

        public Builder strict(boolean s) {
            strict = s;
            return this;
        }

        public Builder precision(String p) {
            precision = p;
            return this;
        }

        public Builder timing(boolean t) {
            timing = t;
            return this;
        }

        /** At most this many weight bytes resident on the device, streamed per node (0: all resident). */
        public Builder weightBudget(long bytes) {
            weightBudgetBytes = bytes;
            return this;
        }

        /** LoRAs for the denoiser, applied in this order (null or empty: none). */
        public Builder loras(List<LoraSpec> l) {
            loras = l == null ? List.of() : l;
            return this;
        }

        public GenerationRequest build() {
            return new GenerationRequest(model, prompt, negativePrompt, width, height, steps, seed, guidance, image, sketch,
                    strength, backend, strict, precision, timing, weightBudgetBytes, loras);
        }
    }
}
