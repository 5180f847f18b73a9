package dev.nibble.app.generate;

import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.ImageIo;
import dev.nibble.models.common.image.PixelRange;
import dev.nibble.models.common.pipeline.PipelineTimings;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One generated image and what it took.
 *
 * @param image     the image, RGB planes (3, H, W) in [0, 1]
 * @param model     the model that made it
 * @param mode      text-to-image, image-to-image or sketch-to-image
 * @param backend   the backend that ran it
 * @param device    the device's name
 * @param precision the precision it ran in (svdq-int4 for a quantised folder whatever was asked)
 * @param width     image width
 * @param height    image height
 * @param steps     steps of the full schedule
 * @param stepsRun  steps actually run (fewer for image-to-image)
 * @param seed      the noise seed
 * @param guidance  the guidance scale used, or null where the model has no guidance
 * @param strength  image-to-image strength, or null for text-to-image
 * @param maxSequenceLength FLUX T5 length (SDXL: 77)
 * @param timings   where time went
 * @param memory    peak memory and weights
 * @param warnings  what the user should know (ignored options, words outside the built-in vocabulary, ...)
 */
public record GenerationResult(ChwImage image, ModelInfo model, String mode, String backend, String device,
                               String precision, int width, int height, int steps, int stepsRun, long seed,
                               Float guidance, Double strength, int maxSequenceLength, Timings timings, Memory memory,
                               List<String> warnings) {
    public GenerationResult {
        warnings = List.copyOf(warnings);
    }

    /**
     * Wall times in nanoseconds: choosing the device and loading the pipeline (0 when both were cached), reading
     * and preparing the input image (0 for text-to-image), the pipeline call's stages (prompt encoding, VAE
     * encoding of the input image, each denoising step, VAE decoding), and the whole request.
     */
    public record Timings(long load, long prepareImage, PipelineTimings pipeline, long total) {}

    /**
     * Memory in bytes: the device allocator's high-water mark (process-wide so far); the denoiser's
     * activation arena as planned and the most bytes live at once in it; the host's peak resident set
     * (VmHWM, 0 without /proc); the denoiser's weights as held (after any bf16 conversion) and all
     * weights (denoiser plus the text encoders' and VAE's safetensors).
     */
    public record Memory(long deviceHighWaterBytes, long activationArenaBytes, long activationPeakLiveBytes,
                         long hostPeakRssBytes, long denoiserWeightBytes, long totalWeightBytes) {}

    /** Writes the image as an 8-bit PNG, atomically (temporary file, then rename). */
    public void writePng(Path file) throws IOException {
        ImageIo.writePng(image, PixelRange.UNIT, file);
    }

    /** The image as PNG bytes (the web demo sends these). */
    public byte[] pngBytes() {
        return ImageIo.encodePng(image, PixelRange.UNIT);
    }
}
