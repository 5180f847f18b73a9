package dev.nibble.models.common.nn;

/** A tensor the model code needs is not in the checkpoint, or has the wrong shape or type. */
public final class MissingWeightException extends IllegalArgumentException {
    public MissingWeightException(String message) {
        super(message);
    }
}
