package dev.nibble.models.flux;

import dev.nibble.engine.tensor.Tensor;

/**
 * A FluxPipeline run: the image (NHWC in [0, 1], diffusers' output_type="np"), the intermediate
 * tensors a caller may want, and where time and memory went.
 */
public record FluxResult(Tensor image, Tensor decoded, Tensor latents, PromptEmbeddings embeddings, Timings timings,
                         Memory memory) {

    /**
     * Wall times in nanoseconds. {@code steps} has one entry per denoising step (transformer and
     * scheduler); {@code vaeEncode} is 0 for text-to-image.
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
     * Memory in bytes. The transformer's activation arena (as planned) and the most bytes live at once in
     * its plan; the device allocator's high-water mark over the whole process so far (weights, arenas and
     * the other stages' graphs); the transformer's weights as stored.
     */
    public record Memory(long transformerArenaBytes, long transformerPeakLiveBytes, long deviceHighWaterBytes,
                         long transformerWeightBytes) {}
}
