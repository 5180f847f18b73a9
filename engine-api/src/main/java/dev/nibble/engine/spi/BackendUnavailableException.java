package dev.nibble.engine.spi;

/** A named backend is unknown or cannot run here; the message says why and lists the available ones. */
public final class BackendUnavailableException extends BackendException {
    public BackendUnavailableException(String message) {
        super(message);
    }
}
