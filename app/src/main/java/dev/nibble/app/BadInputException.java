package dev.nibble.app;

/** The user's input (argument, file, model folder) is wrong: exit code 2 with this message. */
public final class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
