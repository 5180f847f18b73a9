package dev.nibble.engine.spi;

/** A kernel failed to build or run; the message names the device, the kernel and the node. */
public final class KernelException extends BackendException {
    public KernelException(String message, Throwable cause) {
        super(message, cause);
    }

    public KernelException(String message) {
        super(message);
    }
}
