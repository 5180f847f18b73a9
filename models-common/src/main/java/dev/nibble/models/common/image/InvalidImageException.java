package dev.nibble.models.common.image;

import java.nio.file.Path;

/** An input image that is missing, unreadable or corrupt; the message names the file. */
public final class InvalidImageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public InvalidImageException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
