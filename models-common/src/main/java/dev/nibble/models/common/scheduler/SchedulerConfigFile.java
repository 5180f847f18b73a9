package dev.nibble.models.common.scheduler;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A diffusers {@code scheduler_config.json}: {@link DiffusersConfig}'s typed reads (null counts as absent,
 * errors name the file) plus the checks the schedulers need, so that an option this project does not
 * implement fails loudly instead of being ignored.
 */
final class SchedulerConfigFile {
    static final String FILE_NAME = "scheduler_config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DiffusersConfig config;

    private SchedulerConfigFile(DiffusersConfig config) {
        this.config = config;
    }

    /** Reads {@code path}, or {@code path/scheduler_config.json} when it is a directory. */
    static SchedulerConfigFile read(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("scheduler config not found: " + file);
        }
        return new SchedulerConfigFile(DiffusersConfig.read(file));
    }

    static SchedulerConfigFile parse(String json, String source) {
        try {
            return new SchedulerConfigFile(DiffusersConfig.of(Path.of(source), JSON.readTree(json)));
        } catch (JacksonException e) {
            throw new ConfigException(source + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Fails when the file names a different scheduler class (an absent class name is accepted). */
    void expectClass(String className) {
        String actual = config.getString("_class_name", className);
        if (!actual.equals(className)) {
            throw new ConfigException(source() + ": expected a " + className + " config but _class_name is " + actual);
        }
    }

    int getInt(String key, int fallback) {
        return config.getInt(key, fallback);
    }

    double getDouble(String key, double fallback) {
        return config.getDouble(key, fallback);
    }

    boolean getBoolean(String key, boolean fallback) {
        return config.getBoolean(key, fallback);
    }

    String getString(String key, String fallback) {
        return config.getString(key, fallback);
    }

    /** Fails when an unsupported boolean option is switched on. */
    void rejectIfTrue(String key) {
        if (getBoolean(key, false)) {
            throw unsupported(key + "=true");
        }
    }

    /** Fails when an unsupported option holds anything but null. */
    void rejectIfSet(String key) {
        if (config.has(key)) {
            throw unsupported(key + "=" + config.raw().get(key));
        }
    }

    ConfigException unsupported(String what) {
        return new ConfigException(source() + ": unsupported scheduler option " + what);
    }

    /** Re-throws a validation failure of the decoded values with the file name attached. */
    ConfigException invalid(IllegalArgumentException e) {
        return new ConfigException(source() + ": " + e.getMessage(), e);
    }

    String source() {
        return String.valueOf(config.path());
    }
}
