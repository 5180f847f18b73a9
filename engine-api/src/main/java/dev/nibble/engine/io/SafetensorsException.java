package dev.nibble.engine.io;

import java.nio.file.Path;

/**
 * A safetensors file or shard index is malformed, missing, or asked for a tensor it does not hold.
 * The message always names the file and, where one is involved, the tensor.
 */
public class SafetensorsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }

    static SafetensorsException of(Path file, String problem) {
        return new SafetensorsException(file + ": " + problem);
    }

    static SafetensorsException of(Path file, String problem, Throwable cause) {
        return new SafetensorsException(file + ": " + problem, cause);
    }

    static SafetensorsException ofTensor(Path file, String tensor, String problem) {
        return new SafetensorsException(file + ": tensor '" + tensor + "': " + problem);
    }

    static SafetensorsException ofTensor(Path file, String tensor, String problem, Throwable cause) {
        return new SafetensorsException(file + ": tensor '" + tensor + "': " + problem, cause);
    }
}
