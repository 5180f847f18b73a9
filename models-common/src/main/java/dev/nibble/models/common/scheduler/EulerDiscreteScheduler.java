package dev.nibble.models.common.scheduler;

import dev.nibble.models.common.scheduler.EulerDiscreteConfig.PredictionType;
import dev.nibble.models.common.scheduler.EulerDiscreteConfig.TimestepSpacing;
import java.nio.file.Path;
import java.util.Objects;

/**
 * diffusers 0.31 EulerDiscreteScheduler (the SDXL default), deterministic path only (s_churn = 0), linear
 * sigma interpolation, no karras sigmas.
 *
 * <p>The training noise levels are built in float32 in torch's order (see {@link TorchLinspace}; the
 * cumulative product accumulates in float64 like torch's CPU cumprod), schedules are interpolated in float64
 * as numpy does and rounded to float32, and the per-step arithmetic is float32 in the library's operation
 * order. Not thread-safe: {@link #setTimesteps} replaces the schedule that later calls read.
 */
public final class EulerDiscreteScheduler extends DiscreteScheduler {
    private final EulerDiscreteConfig config;
    // ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5 per training timestep 0..T-1 (ascending noise), float32.
    private final float[] trainSigmas;

    public EulerDiscreteScheduler(EulerDiscreteConfig config) {
        super("setTimesteps");
        this.config = Objects.requireNonNull(config);
        this.trainSigmas = trainSigmas(config);
    }

    /** Loads {@code scheduler_config.json} (or the scheduler directory holding it). */
    public static EulerDiscreteScheduler load(Path fileOrDirectory) {
        return new EulerDiscreteScheduler(EulerDiscreteConfig.load(fileOrDirectory));
    }

    public EulerDiscreteConfig config() {
        return config;
    }

    private static float[] trainSigmas(EulerDiscreteConfig c) {
        int n = c.numTrainTimesteps();
        float[] betas;
        if (c.betaSchedule() == EulerDiscreteConfig.BetaSchedule.SCALED_LINEAR) {
            betas = TorchLinspace.float32(Math.sqrt(c.betaStart()), Math.sqrt(c.betaEnd()), n);
            for (int i = 0; i < n; i++) {
                betas[i] = betas[i] * betas[i];
            }
        } else {
            betas = TorchLinspace.float32(c.betaStart(), c.betaEnd(), n);
        }
        float[] out = new float[n];
        double product = 1.0; // torch's CPU cumprod accumulates float32 inputs in double
        for (int i = 0; i < n; i++) {
            product *= 1.0f - betas[i];
            float alphaCumprod = (float) product;
            out[i] = (float) Math.sqrt((1.0f - alphaCumprod) / alphaCumprod);
        }
        return out;
    }

    /** {@code set_timesteps(num_inference_steps)} with the configured timestep spacing. */
    public void setTimesteps(int numInferenceSteps) {
        if (numInferenceSteps < 1) {
            throw new IllegalArgumentException("num_inference_steps must be >= 1, got " + numInferenceSteps);
        }
        float[] ts = spacedTimesteps(numInferenceSteps);
        double[] x = new double[ts.length];
        for (int i = 0; i < ts.length; i++) {
            x[i] = ts[i];
        }
        double[] xp = new double[trainSigmas.length];
        double[] fp = new double[trainSigmas.length];
        for (int i = 0; i < xp.length; i++) {
            xp[i] = i;
            fp[i] = trainSigmas[i];
        }
        double[] interpolated = NumpyMath.interp(x, xp, fp);
        float[] sig = new float[ts.length + 1];
        for (int i = 0; i < ts.length; i++) {
            sig[i] = (float) interpolated[i];
        }
        sig[ts.length] = config.finalSigmasType() == EulerDiscreteConfig.FinalSigmas.SIGMA_MIN ? trainSigmas[0] : 0f;
        setSchedule(ts, sig);
    }

    /** Timesteps in descending order, float32, as the three spacings of diffusers produce them. */
    private float[] spacedTimesteps(int n) {
        int train = config.numTrainTimesteps();
        return switch (config.timestepSpacing()) {
            case LINSPACE -> {
                double[] t = NumpyMath.linspace(0, train - 1, n);
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (float) t[n - 1 - i];
                }
                yield out;
            }
            case LEADING -> {
                int ratio = train / n;
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (float) ((long) (n - 1 - i) * ratio) + config.stepsOffset();
                }
                yield out;
            }
            case TRAILING -> {
                // np.arange(train, 0, -train / n) may hold one element more than n when the ratio rounds down;
                // diffusers keeps it, and so do we.
                double[] t = NumpyMath.arange(train, 0, -((double) train / n));
                float[] out = new float[t.length];
                for (int i = 0; i < t.length; i++) {
                    out[i] = (float) NumpyMath.round(t[i]) - 1f;
                }
                yield out;
            }
        };
    }

    /**
     * The standard deviation of the initial noise: max sigma for linspace/trailing spacing,
     * sqrt(max_sigma^2 + 1) for leading, as diffusers defines it. Pipelines multiply unit noise by this.
     */
    public float initNoiseSigma() {
        float max = Float.NEGATIVE_INFINITY;
        for (float s : schedule()) {
            max = Math.max(max, s);
        }
        TimestepSpacing spacing = config.timestepSpacing();
        if (spacing == TimestepSpacing.LINSPACE || spacing == TimestepSpacing.TRAILING) {
            return max;
        }
        return (float) Math.sqrt(max * max + 1f);
    }

    /** {@code scale_model_input}: sample / sqrt(sigma^2 + 1) for the given step. Returns a new array. */
    public float[] scaleModelInput(float[] sample, int stepIndex) {
        float sigma = schedule()[checkIndex(stepIndex)];
        float denom = (float) Math.sqrt(sigma * sigma + 1f);
        float[] out = new float[sample.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = sample[i] / denom;
        }
        return out;
    }

    /** The denoised estimate x0 the step derives from the model output (diffusers' pred_original_sample). */
    public float[] predictOriginalSample(float[] modelOutput, int stepIndex, float[] sample) {
        float sigma = schedule()[checkIndex(stepIndex)];
        sameLength(modelOutput, sample);
        float[] out = new float[sample.length];
        PredictionType type = config.predictionType();
        switch (type) {
            case EPSILON -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = sample[i] - sigma * modelOutput[i];
                }
            }
            case V_PREDICTION -> {
                float variance = sigma * sigma + 1f;
                float cOut = -sigma / (float) Math.sqrt(variance);
                for (int i = 0; i < out.length; i++) {
                    out[i] = modelOutput[i] * cOut + sample[i] / variance;
                }
            }
            case SAMPLE -> System.arraycopy(modelOutput, 0, out, 0, out.length);
        }
        return out;
    }

    /**
     * One Euler step from sigma[i] to sigma[i+1], via the library's route: x0 estimate, derivative
     * (sample - x0) / sigma, then sample + derivative * dt (summing sample + dt * eps directly differs by ~1 ulp).
     * Returns a new array.
     */
    public float[] step(float[] modelOutput, int stepIndex, float[] sample) {
        float[] pred = predictOriginalSample(modelOutput, stepIndex, sample);
        float[] sigmas = schedule();
        float sigma = sigmas[stepIndex];
        float dt = sigmas[stepIndex + 1] - sigma;
        float[] out = new float[sample.length];
        for (int i = 0; i < out.length; i++) {
            float derivative = (sample[i] - pred[i]) / sigma;
            out[i] = sample[i] + derivative * dt;
        }
        return out;
    }

    /**
     * {@code add_noise} for image-to-image: original + noise * sigma[stepIndex] (the pipelines pass the
     * img2img start index). Returns a new array.
     */
    public float[] addNoise(float[] original, float[] noise, int stepIndex) {
        float sigma = schedule()[checkIndex(stepIndex)];
        sameLength(original, noise);
        float[] out = new float[original.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = original[i] + noise[i] * sigma;
        }
        return out;
    }

    /** The SDXL img2img entry point (truncating strength · steps to whole steps). */
    @Override
    public Img2ImgStart img2imgStart(double strength) {
        return Img2ImgStart.truncating(numInferenceSteps(), strength);
    }
}
