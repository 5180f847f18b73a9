package dev.nibble.models.common.scheduler;

/**
 * Where an image-to-image run enters a schedule of {@code totalSteps} steps: it skips the first
 * {@code startIndex} steps (the noisiest) and runs the remaining {@code numSteps}. The noised input latents
 * are made at sigma[startIndex].
 */
public record Img2ImgStart(int startIndex, int numSteps) {

    public Img2ImgStart {
        if (startIndex < 0 || numSteps < 1) {
            throw new IllegalArgumentException("image-to-image start needs startIndex >= 0 and at least one step, got "
                    + startIndex + " and " + numSteps + " (strength too low for this step count)");
        }
    }

    /**
     * The FLUX/SD3 img2img pipelines' {@code get_timesteps}: init = min(n * strength, n) kept as a float,
     * start = int(max(n - init, 0)).
     */
    public static Img2ImgStart flowMatch(int totalSteps, double strength) {
        checkStrength(totalSteps, strength);
        double init = Math.min(totalSteps * strength, totalSteps);
        int start = (int) Math.max(totalSteps - init, 0);
        return new Img2ImgStart(start, totalSteps - start);
    }

    /**
     * The SD/SDXL img2img pipelines' {@code get_timesteps} (no denoising_start): init = min(int(n * strength), n),
     * start = max(n - init, 0).
     */
    public static Img2ImgStart truncating(int totalSteps, double strength) {
        checkStrength(totalSteps, strength);
        int init = Math.min((int) (totalSteps * strength), totalSteps);
        int start = Math.max(totalSteps - init, 0);
        return new Img2ImgStart(start, totalSteps - start);
    }

    private static void checkStrength(int totalSteps, double strength) {
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1], got " + strength);
        }
        if (totalSteps < 1) {
            throw new IllegalArgumentException("num_inference_steps must be >= 1, got " + totalSteps);
        }
    }
}
