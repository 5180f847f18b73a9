package dev.nibble.models.sdxl;

import dev.nibble.engine.tensor.Tensor;

/**
 * A StableDiffusionXLPipeline run: the image (NHWC in [0, 1], diffusers' output_type="np"), the decoded
 * VAE sample and final latents, the prompt embeddings, and where time and memory went.
 */
public record SdxlResult(Tensor image, Tensor decoded, Tensor latents, PromptEmbeddings embeddings, Timings timings,
                         Memory memory) {

    /**
     * Wall times in nanoseconds: prompt encoding (tokenizers and both text encoders), image encoding
     * (0 for text-to-image), each denoising step (U-Net and scheduler), VAE decode with postprocessing,
     * and the whole call.
     */
    public record Timings(long textEncode, long vaeEncode, long[] steps, long vaeDecode, long total) {
        public Timings {
            steps = steps.clone();
        }

        @Override
        public long[] steps() {
            return steps.clone();
        }

        public long denoise() {
            long s = 0;
            for (long n : steps) {
                s += n;
            }
            return s;
        }
    }

    /**
     * Memory in bytes: the U-Net's activation arena as planned and the most bytes live at once in that
     * plan; the device allocator's high-water mark over the process so far (weights, arenas, the other
     * stages' graphs); the host's peak resident set (VmHWM, 0 where /proc is absent); the U-Net's weights
     * as stored.
     */
    public record Memory(long unetArenaBytes, long unetPeakLiveBytes, long deviceHighWaterBytes,
                         long hostPeakRssBytes, long unetWeightBytes) {}
}
