package dev.nibble.engine.spi;

/** Base of the engine's backend errors; messages name the backend, device, op or node involved. */
public class BackendException extends RuntimeException {
    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
