package dev.nibble.engine.spi;

/** A device was asked to run a node it does not support (or strict placement forbade a fallback). */
public final class UnsupportedNodeException extends BackendException {
    public UnsupportedNodeException(String message) {
        super(message);
    }
}
