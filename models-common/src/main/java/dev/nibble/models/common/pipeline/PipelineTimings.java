package dev.nibble.models.common.pipeline;

/**
 * Wall times of one pipeline call in nanoseconds: prompt encoding (tokenizers and text encoders), image
 * encoding (0 for text-to-image), each denoising step (denoiser and scheduler), VAE decode with
 * postprocessing, and the whole call.
 */
public record PipelineTimings(long textEncode, long vaeEncode, long[] steps, long vaeDecode, long total) {
    public PipelineTimings {
        steps = steps.clone();
    }

    @Override
    public long[] steps() {
        return steps.clone();
    }

    /** The denoising steps together. */
    public long denoise() {
        long s = 0;
        for (long n : steps) {
            s += n;
        }
        return s;
    }

    /** Mean nanoseconds per step (0 without steps). */
    public long meanStep() {
        return steps.length == 0 ? 0 : denoise() / steps.length;
    }
}
