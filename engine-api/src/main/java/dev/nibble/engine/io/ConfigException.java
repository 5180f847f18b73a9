package dev.nibble.engine.io;

/** A config.json / model_index.json is unreadable, or lacks a key, or holds a value of the wrong type. */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
