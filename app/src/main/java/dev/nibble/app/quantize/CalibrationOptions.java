package dev.nibble.app.quantize;

import dev.nibble.app.BadInputException;
import dev.nibble.app.generate.ModelInfo;
import dev.nibble.quantizer.calibration.CalibrationPrompts;
import dev.nibble.quantizer.calibration.CalibrationSettings;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The calibration options {@code quantize} and {@code quant-report} share. Unset values take the model's own
 * defaults: its generate defaults for size, steps, T5 length and guidance, and its shipped
 * {@code calibration-prompts.txt} (in the folder or in {@code <folder>-info/}) or else Nibble's generic list.
 */
public final class CalibrationOptions {
    @Option(names = "--calib-prompts", paramLabel = "FILE",
            description = "Calibration prompts, one per line ('#' comments and blank lines skipped). Default: the "
                    + "model's calibration-prompts.txt (in its folder or <folder>-info/), else a built-in list of varied prompts.")
    public Path promptsFile;

    @Option(names = "--calib-steps", paramLabel = "N",
            description = "Denoising steps per calibration prompt; every step's activations are recorded. Default: the model's generate default.")
    public Integer steps;

    @Option(names = "--calib-limit", paramLabel = "N",
            description = "Use only the first N calibration prompts.")
    public Integer limit;

    @Option(names = "--calib-size", paramLabel = "WxH",
            description = "Calibration image size, e.g. 64x64 or 512 (default: the model's generate default).")
    public String size;

    @Option(names = "--calib-max-sequence-length", paramLabel = "N",
            description = "FLUX T5 length for calibration (default: the model's, min(512, tokenizer_2 model_max_length)).")
    public Integer maxSequenceLength;

    @Option(names = "--calib-guidance", paramLabel = "G",
            description = "Guidance scale while calibrating (FLUX-dev embedding / SDXL CFG; default: the model's).")
    public Float guidance;

    @Option(names = "--calib-batch", paramLabel = "N",
            description = "Prompts per forward pass while calibrating. Default: " + CalibrationSettings.DEFAULT_BATCH + ".")
    public Integer batch;

    @Option(names = "--calib-rows", paramLabel = "N",
            description = "Input rows kept per layer (uniform reservoir sample over all prompts and steps). Default: "
                    + CalibrationSettings.DEFAULT_ROWS_PER_LAYER + ".")
    public Integer rows;

    @Option(names = "--calib-seed", paramLabel = "S", description = "Noise seed of the first calibration prompt. Default: 0.")
    public Long seed;

    /** The settings for {@code info}, with {@code defaultSeed} when no --calib-seed is given. */
    public CalibrationSettings settings(ModelInfo info, long defaultSeed) {
        List<String> prompts;
        String source;
        if (promptsFile != null) {
            if (!Files.isRegularFile(promptsFile)) {
                throw new BadInputException("--calib-prompts " + promptsFile + ": no such file");
            }
            try {
                prompts = CalibrationPrompts.read(promptsFile);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--calib-prompts: " + e.getMessage(), e);
            }
            source = promptsFile.getFileName().toString();
        } else {
            Path own = CalibrationPrompts.modelPrompts(info.folder()).orElse(null);
            if (own != null) {
                prompts = CalibrationPrompts.read(own);
                source = own.getParent().getFileName() + "/" + own.getFileName();
            } else {
                prompts = CalibrationPrompts.defaults();
                source = "Nibble's built-in prompt list";
            }
        }
        if (limit != null) {
            if (limit < 1) {
                throw new BadInputException("--calib-limit must be >= 1, got " + limit);
            }
            prompts = prompts.subList(0, Math.min(limit, prompts.size()));
        }
        int[] wh = size == null ? new int[] {info.defaultWidth(), info.defaultHeight()} : parseSize(size);
        int n = steps != null ? steps : info.defaultSteps();
        check("--calib-steps", n, 1);
        int b = batch != null ? batch : CalibrationSettings.DEFAULT_BATCH;
        check("--calib-batch", b, 1);
        int r = rows != null ? rows : CalibrationSettings.DEFAULT_ROWS_PER_LAYER;
        check("--calib-rows", r, 4);
        int seq = maxSequenceLength != null ? maxSequenceLength : info.maxSequenceLength();
        check("--calib-max-sequence-length", seq, 1);
        Float g = guidance != null ? guidance : info.guidanceUsed() ? info.defaultGuidance() : null;
        for (int v : wh) {
            if (v % info.sizeMultiple() != 0) {
                throw new BadInputException("--calib-size " + size + ": width and height must be multiples of "
                        + info.sizeMultiple() + " for " + info.name());
            }
        }
        return new CalibrationSettings(prompts, source, n, wh[0], wh[1], seq, g, b, r,
                seed != null ? seed : defaultSeed);
    }

    private static void check(String option, int v, int min) {
        if (v < min) {
            throw new BadInputException(option + " must be >= " + min + ", got " + v);
        }
    }

    /** "64x48" → {64, 48}; "64" → {64, 64}. */
    static int[] parseSize(String s) {
        String[] p = s.toLowerCase(java.util.Locale.ROOT).split("x");
        try {
            int w = Integer.parseInt(p[0].trim());
            int h = p.length > 1 ? Integer.parseInt(p[1].trim()) : w;
            if (p.length > 2 || w <= 0 || h <= 0) {
                throw new NumberFormatException();
            }
            return new int[] {w, h};
        } catch (NumberFormatException e) {
            throw new BadInputException("--calib-size: '" + s + "' is not a size like 64x64 or 512");
        }
    }
}
