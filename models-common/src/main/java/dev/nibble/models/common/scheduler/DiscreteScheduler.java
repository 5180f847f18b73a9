package dev.nibble.models.common.scheduler;

/**
 * The state the Euler schedulers share, as diffusers keeps it on the scheduler: the schedule that the last
 * {@code set_timesteps} built, float32 timesteps (one per step) and sigmas (one per step plus the final one),
 * and where an image-to-image run enters it. Not thread-safe: setting a schedule replaces the one that later
 * calls read.
 */
public abstract sealed class DiscreteScheduler permits EulerDiscreteScheduler, FlowMatchEulerDiscreteScheduler {
    /** Names the methods that set a schedule, for the error before one is set. */
    private final String scheduleSetters;

    private float[] timesteps;
    private float[] sigmas;

    DiscreteScheduler(String scheduleSetters) {
        this.scheduleSetters = scheduleSetters;
    }

    /** Replaces the schedule; {@code sigmas} has one entry more than {@code timesteps}. */
    final void setSchedule(float[] timesteps, float[] sigmas) {
        this.timesteps = timesteps;
        this.sigmas = sigmas;
    }

    public final boolean hasSchedule() {
        return sigmas != null;
    }

    public final int numInferenceSteps() {
        return schedule().length - 1;
    }

    /** The float32 timesteps, one per step; a copy. */
    public final float[] timesteps() {
        schedule();
        return timesteps.clone();
    }

    /** The float32 sigmas, one per step plus the final one; a copy. */
    public final float[] sigmas() {
        return schedule().clone();
    }

    public final float timestep(int stepIndex) {
        schedule();
        return timesteps[checkIndex(stepIndex)];
    }

    public final float sigma(int stepIndex) {
        return schedule()[stepIndex];
    }

    /** The img2img pipelines' entry point into the current schedule for {@code strength} in [0, 1]. */
    public abstract Img2ImgStart img2imgStart(double strength);

    /** The sigmas themselves (not a copy); fails before a schedule is set. */
    final float[] schedule() {
        if (sigmas == null) {
            throw new IllegalStateException("call " + scheduleSetters + " first");
        }
        return sigmas;
    }

    final int checkIndex(int stepIndex) {
        if (stepIndex < 0 || stepIndex >= timesteps.length) {
            throw new IndexOutOfBoundsException("step index " + stepIndex + " outside 0.." + (timesteps.length - 1));
        }
        return stepIndex;
    }

    static void sameLength(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("tensor sizes differ: " + a.length + " vs " + b.length);
        }
    }
}
