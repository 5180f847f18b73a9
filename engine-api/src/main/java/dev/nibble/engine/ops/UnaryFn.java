package dev.nibble.engine.ops;

/** Element-wise functions; also used as fused epilogues of Linear and SvdqLinear. */
public enum UnaryFn {
    IDENTITY,
    /** x·Φ(x) with the exact erf. */
    GELU,
    /** The tanh approximation (PyTorch approximate="tanh", transformers' gelu_new / gelu_pytorch_tanh). */
    GELU_TANH,
    /** x·sigmoid(1.702·x), CLIP's activation. */
    QUICK_GELU,
    SILU,
    RELU,
    SIGMOID,
    TANH,
    EXP
}
