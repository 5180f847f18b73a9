package dev.nibble.models.sdxl;

import dev.nibble.engine.tensor.Tensor;

/** Per-step progress of the SDXL denoising loop (also how tests and tools trace intermediate tensors). */
@FunctionalInterface
public interface StepListener {
    /**
     * @param index       step number within this run, 0-based
     * @param total       steps this run takes
     * @param timestep    the scheduler timestep
     * @param modelInput  the U-Net's sample: scale_model_input(cat([latents] · 2)) with CFG [2B, C, h, w]
     * @param modelOutput the U-Net's output before the guidance combination (same shape)
     * @param latents     the latents after the scheduler step [B, C, h, w]
     * @param nanos       wall time of the step (U-Net and scheduler)
     */
    record Step(int index, int total, float timestep, Tensor modelInput, Tensor modelOutput, Tensor latents,
                long nanos) {}

    void onStep(Step step);

    StepListener NONE = s -> { };
}
