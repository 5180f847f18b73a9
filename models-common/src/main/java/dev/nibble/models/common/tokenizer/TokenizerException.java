package dev.nibble.models.common.tokenizer;

import java.nio.file.Path;

/** A tokenizer folder could not be loaded: a file is missing, unreadable or malformed. */
public final class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Message that always names the offending file, so a broken model folder is easy to locate. */
    static TokenizerException forFile(Path file, String problem, Throwable cause) {
        return new TokenizerException(file + ": " + problem, cause);
    }

    static TokenizerException forFile(Path file, String problem) {
        return new TokenizerException(file + ": " + problem);
    }
}
