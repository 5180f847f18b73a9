package dev.nibble.models.common.scheduler;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Settings of diffusers' EulerDiscreteScheduler ({@code scheduler_config.json}) that this implementation
 * supports; absent keys take the library defaults. Unsupported options (trained betas, cosine betas,
 * karras/exponential/beta sigmas, log-linear interpolation, zero-SNR rescaling, continuous timesteps) are
 * rejected when loading rather than silently ignored.
 */
public record EulerDiscreteConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        BetaSchedule betaSchedule,
        PredictionType predictionType,
        TimestepSpacing timestepSpacing,
        int stepsOffset,
        FinalSigmas finalSigmasType) {

    static final String CLASS_NAME = "EulerDiscreteScheduler";

    public enum BetaSchedule { LINEAR, SCALED_LINEAR }

    public enum PredictionType { EPSILON, V_PREDICTION, SAMPLE }

    public enum TimestepSpacing { LINSPACE, LEADING, TRAILING }

    /** What follows the last step's sigma: 0 (the default) or the smallest training sigma. */
    public enum FinalSigmas { ZERO, SIGMA_MIN }

    public EulerDiscreteConfig {
        if (numTrainTimesteps < 2) {
            throw new IllegalArgumentException("num_train_timesteps must be >= 2, got " + numTrainTimesteps);
        }
        if (!(betaStart > 0 && betaEnd > 0 && betaStart < 1 && betaEnd < 1)) {
            throw new IllegalArgumentException("betas must lie in (0, 1), got " + betaStart + ".." + betaEnd);
        }
        Objects.requireNonNull(betaSchedule);
        Objects.requireNonNull(predictionType);
        Objects.requireNonNull(timestepSpacing);
        Objects.requireNonNull(finalSigmasType);
    }

    /** The SDXL base/refiner settings (also what the golden SDXL checkpoint ships). */
    public static EulerDiscreteConfig sdxl() {
        return new EulerDiscreteConfig(1000, 0.00085, 0.012, BetaSchedule.SCALED_LINEAR, PredictionType.EPSILON,
                TimestepSpacing.LEADING, 1, FinalSigmas.ZERO);
    }

    /** Loads a {@code scheduler_config.json} file, or the one inside a {@code scheduler/} directory. */
    public static EulerDiscreteConfig load(Path fileOrDirectory) {
        return from(SchedulerConfigFile.read(fileOrDirectory));
    }

    /** Parses the JSON text of a scheduler config; {@code source} names it in errors. */
    public static EulerDiscreteConfig parse(String json, String source) {
        return from(SchedulerConfigFile.parse(json, source));
    }

    private static EulerDiscreteConfig from(SchedulerConfigFile f) {
        f.expectClass(CLASS_NAME);
        f.rejectIfSet("trained_betas");
        f.rejectIfTrue("use_karras_sigmas");
        f.rejectIfTrue("use_exponential_sigmas");
        f.rejectIfTrue("use_beta_sigmas");
        f.rejectIfTrue("rescale_betas_zero_snr");
        String interpolation = f.getString("interpolation_type", "linear");
        if (!interpolation.equals("linear")) {
            throw f.unsupported("interpolation_type=" + interpolation);
        }
        String timestepType = f.getString("timestep_type", "discrete");
        if (!timestepType.equals("discrete")) {
            throw f.unsupported("timestep_type=" + timestepType);
        }
        int trainSteps = f.getInt("num_train_timesteps", 1000);
        double betaStart = f.getDouble("beta_start", 0.0001);
        double betaEnd = f.getDouble("beta_end", 0.02);
        BetaSchedule betas = choice(f, "beta_schedule", "linear", BetaSchedule.class);
        PredictionType prediction = choice(f, "prediction_type", "epsilon", PredictionType.class);
        TimestepSpacing spacing = choice(f, "timestep_spacing", "linspace", TimestepSpacing.class);
        int offset = f.getInt("steps_offset", 0);
        FinalSigmas last = choice(f, "final_sigmas_type", "zero", FinalSigmas.class);
        try {
            return new EulerDiscreteConfig(trainSteps, betaStart, betaEnd, betas, prediction, spacing, offset, last);
        } catch (IllegalArgumentException e) {
            throw f.invalid(e);
        }
    }

    private static <E extends Enum<E>> E choice(SchedulerConfigFile f, String key, String fallback, Class<E> type) {
        String v = f.getString(key, fallback);
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw f.unsupported(key + "=" + v);
        }
    }
}
