package dev.nibble.engine.ops;

/** An op was given inputs whose shapes or types it cannot take; the message names the op and the inputs. */
public final class ShapeException extends IllegalArgumentException {
    public ShapeException(String message) {
        super(message);
    }
}
