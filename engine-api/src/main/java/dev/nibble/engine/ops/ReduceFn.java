package dev.nibble.engine.ops;

/** Reductions along one axis. */
public enum ReduceFn {
    SUM, MEAN, MAX, MIN
}
