package dev.nibble.models.common.scheduler;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * diffusers 0.31 FlowMatchEulerDiscreteScheduler (FLUX.1, SD3): a rectified-flow Euler sampler.
 *
 * <p>Schedules are computed in float64 exactly as diffusers does with numpy and then rounded to float32, the
 * precision the library stores them in; timesteps are float32 sigma * num_train_timesteps. {@link #step} and
 * {@link #scaleNoise} do float32 arithmetic in torch's order, so results match the reference bit for bit.
 * Not thread-safe: {@code setTimesteps*} replaces the schedule that later calls read.
 */
public final class FlowMatchEulerDiscreteScheduler extends DiscreteScheduler {
    private final FlowMatchConfig config;
    // Ends of the training schedule; set_timesteps(n) spaces its timesteps between them.
    private final float trainSigmaMax;
    private final float trainSigmaMin;

    public FlowMatchEulerDiscreteScheduler(FlowMatchConfig config) {
        super("setTimesteps / setSigmas / setFluxTimesteps");
        this.config = Objects.requireNonNull(config);
        int n = config.numTrainTimesteps();
        double[] t = NumpyMath.linspace(1, n, n); // then reversed: sigma_max at t = n, sigma_min at t = 1
        this.trainSigmaMax = trainSigma((float) t[n - 1]);
        this.trainSigmaMin = trainSigma((float) t[0]);
    }

    /** Loads {@code scheduler_config.json} (or the scheduler directory holding it). */
    public static FlowMatchEulerDiscreteScheduler load(Path fileOrDirectory) {
        return new FlowMatchEulerDiscreteScheduler(FlowMatchConfig.load(fileOrDirectory));
    }

    public FlowMatchConfig config() {
        return config;
    }

    /**
     * The FLUX pipelines' {@code calculate_shift}: mu linear in the packed image sequence length, through
     * (base_seq_len, base_shift) and (max_seq_len, max_shift), evaluated in the library's operation order.
     */
    public static double calculateShift(long imageSeqLen, long baseSeqLen, long maxSeqLen, double baseShift,
            double maxShift) {
        double m = (maxShift - baseShift) / (double) (maxSeqLen - baseSeqLen);
        double b = baseShift - m * baseSeqLen;
        return imageSeqLen * m + b;
    }

    /** {@link #calculateShift} with this scheduler's configured sequence lengths and shifts. */
    public double mu(long imageSeqLen) {
        return calculateShift(imageSeqLen, config.baseImageSeqLen(), config.maxImageSeqLen(), config.baseShift(),
                config.maxShift());
    }

    /** The FLUX pipelines' default sigmas, {@code np.linspace(1.0, 1 / n, n)}. */
    public static double[] fluxDefaultSigmas(int numInferenceSteps) {
        checkSteps(numInferenceSteps);
        return NumpyMath.linspace(1.0, 1.0 / numInferenceSteps, numInferenceSteps);
    }

    /**
     * The schedule FluxPipeline / FluxImg2ImgPipeline build: default sigmas and mu from the packed latent
     * sequence length ((H/16) * (W/16) for 8x VAEs); mu only matters with dynamic shifting.
     */
    public void setFluxTimesteps(int numInferenceSteps, long imageSeqLen) {
        setSigmas(fluxDefaultSigmas(numInferenceSteps), mu(imageSeqLen));
    }

    /**
     * {@code set_timesteps(num_inference_steps, mu=mu)}: timesteps evenly spaced between the training
     * schedule's ends, then shifted. {@code mu} is required with dynamic shifting and ignored otherwise.
     */
    public void setTimesteps(int numInferenceSteps, Double mu) {
        checkSteps(numInferenceSteps);
        int train = config.numTrainTimesteps();
        // diffusers reads sigma_max/min back as Python floats before scaling them, hence float -> double here
        double[] t = NumpyMath.linspace((double) trainSigmaMax * train, (double) trainSigmaMin * train,
                numInferenceSteps);
        double[] s = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            s[i] = t[i] / train;
        }
        apply(shifted(s, mu));
    }

    /** {@code set_timesteps(sigmas=sigmas, mu=mu)}: the given (unshifted) sigmas, shifted in float64. */
    public void setSigmas(double[] unshiftedSigmas, Double mu) {
        if (unshiftedSigmas.length < 1) {
            throw new IllegalArgumentException("need at least one sigma");
        }
        apply(shifted(unshiftedSigmas.clone(), mu));
    }

    private double[] shifted(double[] s, Double mu) {
        if (config.useDynamicShifting()) {
            if (mu == null) {
                throw new IllegalArgumentException("mu is required when use_dynamic_shifting is true");
            }
            // StrictMath: the same bits on every JVM and platform (Math.exp may be an intrinsic)
            double e = StrictMath.exp(mu);
            for (int i = 0; i < s.length; i++) {
                s[i] = e / (e + (1 / s[i] - 1)); // time_shift(mu, sigma=1.0, t)
            }
        } else {
            double shift = config.shift();
            for (int i = 0; i < s.length; i++) {
                s[i] = shift * s[i] / (1 + (shift - 1) * s[i]);
            }
        }
        return s;
    }

    private void apply(double[] shiftedSigmas) {
        int n = shiftedSigmas.length;
        float trainSteps = config.numTrainTimesteps();
        float[] sig = new float[n + 1]; // trailing 0: the last step lands on clean latents
        float[] ts = new float[n];
        for (int i = 0; i < n; i++) {
            sig[i] = (float) shiftedSigmas[i];
            ts[i] = sig[i] * trainSteps;
        }
        setSchedule(ts, sig);
    }

    /** Sigma of one training timestep, as the constructor computes it in float32 tensors. */
    private float trainSigma(float timestep) {
        float s = timestep / (float) config.numTrainTimesteps();
        if (!config.useDynamicShifting()) {
            s = (float) config.shift() * s / (1f + (float) (config.shift() - 1) * s);
        }
        return s;
    }

    /**
     * One Euler step of the flow ODE: sample + (sigma[i+1] - sigma[i]) * modelOutput, in float32 as torch
     * evaluates it (the sigma difference is rounded first). Returns a new array.
     */
    public float[] step(float[] modelOutput, int stepIndex, float[] sample) {
        float[] s = schedule();
        checkIndex(stepIndex);
        sameLength(modelOutput, sample);
        float dt = s[stepIndex + 1] - s[stepIndex];
        float[] out = new float[sample.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = sample[i] + dt * modelOutput[i];
        }
        return out;
    }

    /**
     * The forward process for image-to-image ({@code scale_noise}): sigma * noise + (1 - sigma) * sample with
     * sigma = sigmas[stepIndex] (the pipelines use the img2img start index). Returns a new array.
     */
    public float[] scaleNoise(float[] sample, int stepIndex, float[] noise) {
        float sigma = schedule()[checkIndex(stepIndex)];
        sameLength(noise, sample);
        float keep = 1.0f - sigma;
        float[] out = new float[sample.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = sigma * noise[i] + keep * sample[i];
        }
        return out;
    }

    /** The FLUX img2img entry point (strength · steps kept as a float). */
    @Override
    public Img2ImgStart img2imgStart(double strength) {
        return Img2ImgStart.flowMatch(numInferenceSteps(), strength);
    }

    private static void checkSteps(int numInferenceSteps) {
        if (numInferenceSteps < 1) {
            throw new IllegalArgumentException("num_inference_steps must be >= 1, got " + numInferenceSteps);
        }
    }

    @Override
    public String toString() {
        return "FlowMatchEulerDiscreteScheduler" + config
                + (hasSchedule() ? " sigmas=" + Arrays.toString(schedule()) : "");
    }
}
