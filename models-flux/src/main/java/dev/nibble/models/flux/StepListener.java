package dev.nibble.models.flux;

import dev.nibble.engine.tensor.Tensor;

/** Per-step progress of the denoising loop (also how tests and tools trace intermediate tensors). */
@FunctionalInterface
public interface StepListener {
    /**
     * @param index       step number within this run, 0-based
     * @param total       steps this run takes
     * @param timestep    the scheduler timestep (sigma × 1000)
     * @param modelOutput the transformer's output for this step [B, L, C]
     * @param latents     the packed latents after the scheduler step [B, L, C]
     * @param nanos       wall time of the step (transformer and scheduler)
     */
    record Step(int index, int total, float timestep, Tensor modelOutput, Tensor latents, long nanos) {}

    void onStep(Step step);

    StepListener NONE = s -> { };
}
