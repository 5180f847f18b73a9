package dev.nibble.models.common.scheduler;

import java.nio.file.Path;

/**
 * Settings of diffusers' FlowMatchEulerDiscreteScheduler ({@code scheduler_config.json}); absent keys take the
 * library defaults. Options that change the schedule beyond these (karras/exponential/beta sigmas, inverted
 * sigmas, terminal shift) are rejected when loading rather than silently ignored.
 */
public record FlowMatchConfig(
        int numTrainTimesteps,
        double shift,
        boolean useDynamicShifting,
        double baseShift,
        double maxShift,
        int baseImageSeqLen,
        int maxImageSeqLen) {

    static final String CLASS_NAME = "FlowMatchEulerDiscreteScheduler";

    public FlowMatchConfig {
        if (numTrainTimesteps < 1) {
            throw new IllegalArgumentException("num_train_timesteps must be >= 1, got " + numTrainTimesteps);
        }
        if (!(shift > 0)) {
            throw new IllegalArgumentException("shift must be > 0, got " + shift);
        }
        if (useDynamicShifting && maxImageSeqLen == baseImageSeqLen) {
            throw new IllegalArgumentException("max_image_seq_len must differ from base_image_seq_len");
        }
    }

    /** The diffusers defaults (shift 1, no dynamic shifting). */
    public static FlowMatchConfig defaults() {
        return new FlowMatchConfig(1000, 1.0, false, 0.5, 1.15, 256, 4096);
    }

    /** Loads a {@code scheduler_config.json} file, or the one inside a {@code scheduler/} directory. */
    public static FlowMatchConfig load(Path fileOrDirectory) {
        return from(SchedulerConfigFile.read(fileOrDirectory));
    }

    /** Parses the JSON text of a scheduler config; {@code source} names it in errors. */
    public static FlowMatchConfig parse(String json, String source) {
        return from(SchedulerConfigFile.parse(json, source));
    }

    private static FlowMatchConfig from(SchedulerConfigFile f) {
        f.expectClass(CLASS_NAME);
        f.rejectIfTrue("invert_sigmas");
        f.rejectIfSet("shift_terminal");
        f.rejectIfTrue("use_karras_sigmas");
        f.rejectIfTrue("use_exponential_sigmas");
        f.rejectIfTrue("use_beta_sigmas");
        FlowMatchConfig d = defaults();
        int trainSteps = f.getInt("num_train_timesteps", d.numTrainTimesteps());
        double shift = f.getDouble("shift", d.shift());
        boolean dynamic = f.getBoolean("use_dynamic_shifting", d.useDynamicShifting());
        double baseShift = f.getDouble("base_shift", d.baseShift());
        double maxShift = f.getDouble("max_shift", d.maxShift());
        int baseSeqLen = f.getInt("base_image_seq_len", d.baseImageSeqLen());
        int maxSeqLen = f.getInt("max_image_seq_len", d.maxImageSeqLen());
        try {
            return new FlowMatchConfig(trainSteps, shift, dynamic, baseShift, maxShift, baseSeqLen, maxSeqLen);
        } catch (IllegalArgumentException e) {
            throw f.invalid(e);
        }
    }
}
