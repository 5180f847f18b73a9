package dev.nibble.engine.ops;

/** What a {@link Pool2d} window computes. */
public enum PoolFn {
    /** The largest element of the window (padding never wins). */
    MAX,
    /** The mean of the window; whether padded positions count is {@link Pool2d#countIncludePad()}. */
    AVG
}
