package dev.nibble.quantizer.calibration;

import java.util.List;

/**
 * How to run the 16-bit pipeline for calibration.
 *
 * @param prompts           the prompts (each runs the whole denoising schedule once)
 * @param promptSource      where they came from, for reports ("calibration-prompts.txt", "built-in list")
 * @param steps             denoising steps per prompt (every step's activations are recorded)
 * @param width             image width; 0: the model's default
 * @param height            image height; 0: the model's default
 * @param maxSequenceLength FLUX's T5 length; 0: min(512, tokenizer_2's model_max_length) as the pipeline uses
 * @param guidance          FLUX-dev guidance embedding / SDXL CFG scale; null: the pipeline's default
 * @param batch             prompts per forward pass
 * @param rowsPerLayer      input rows kept per layer (reservoir sample over all steps and prompts)
 * @param seed              noise seed of the first prompt (prompt i uses seed + i)
 */
public record CalibrationSettings(List<String> prompts, String promptSource, int steps, int width, int height,
                                  int maxSequenceLength, Float guidance, int batch, int rowsPerLayer, long seed) {
    public static final int DEFAULT_ROWS_PER_LAYER = 1024;
    public static final int DEFAULT_BATCH = 4;

    public CalibrationSettings {
        prompts = List.copyOf(prompts);
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no calibration prompts");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("calibration steps must be >= 1, got " + steps);
        }
        if (width < 0 || height < 0 || maxSequenceLength < 0) {
            throw new IllegalArgumentException("size and sequence length must be >= 0 (0: the model's default)");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("calibration batch must be >= 1, got " + batch);
        }
        if (rowsPerLayer < 4) {
            throw new IllegalArgumentException("rows per layer must be >= 4, got " + rowsPerLayer);
        }
    }

    public static CalibrationSettings of(List<String> prompts, String source, int steps) {
        return new CalibrationSettings(prompts, source, steps, 0, 0, 0, null, DEFAULT_BATCH, DEFAULT_ROWS_PER_LAYER, 0);
    }

    public CalibrationSettings withSize(int w, int h) {
        return new CalibrationSettings(prompts, promptSource, steps, w, h, maxSequenceLength, guidance, batch,
                rowsPerLayer, seed);
    }

    public CalibrationSettings withMaxSequenceLength(int n) {
        return new CalibrationSettings(prompts, promptSource, steps, width, height, n, guidance, batch, rowsPerLayer,
                seed);
    }

    public CalibrationSettings withGuidance(Float g) {
        return new CalibrationSettings(prompts, promptSource, steps, width, height, maxSequenceLength, g, batch,
                rowsPerLayer, seed);
    }

    public CalibrationSettings withBatch(int b) {
        return new CalibrationSettings(prompts, promptSource, steps, width, height, maxSequenceLength, guidance, b,
                rowsPerLayer, seed);
    }

    public CalibrationSettings withRowsPerLayer(int r) {
        return new CalibrationSettings(prompts, promptSource, steps, width, height, maxSequenceLength, guidance, batch,
                r, seed);
    }

    public CalibrationSettings withSeed(long s) {
        return new CalibrationSettings(prompts, promptSource, steps, width, height, maxSequenceLength, guidance, batch,
                rowsPerLayer, s);
    }
}
