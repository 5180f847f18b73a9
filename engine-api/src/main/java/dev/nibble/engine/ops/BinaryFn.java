package dev.nibble.engine.ops;

/** Element-wise arithmetic with NumPy broadcasting. */
public enum BinaryFn {
    ADD, SUB, MUL, DIV
}
