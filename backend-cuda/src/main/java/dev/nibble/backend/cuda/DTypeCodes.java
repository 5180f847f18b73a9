package dev.nibble.backend.cuda;

import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;

/** The integer codes the kernels use for element types and activations (see common.cuh). */
final class DTypeCodes {
    static final int F32 = 0;
    static final int F16 = 1;
    static final int BF16 = 2;
    static final int I64 = 3;
    static final int I32 = 4;
    static final int I8 = 5;
    static final int U8 = 6;
    static final int I16 = 7;
    static final int BOOL = 8;
    static final int F64 = 9;

    private DTypeCodes() {
    }

    /** The kernels' code for {@code t}; INT4 has none (it is addressed through packed bytes). */
    static int code(DType t) {
        return switch (t) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case I64 -> I64;
            case I32 -> I32;
            case I8 -> I8;
            case U8 -> U8;
            case I16 -> I16;
            case BOOL -> BOOL;
            case F64 -> F64;
            case INT4 -> throw new IllegalArgumentException("INT4 has no element code");
        };
    }

    /** The kernels' activation code (ACT_* in common.cuh). */
    static int act(UnaryFn fn) {
        return switch (fn) {
            case IDENTITY -> 0;
            case GELU -> 1;
            case GELU_TANH -> 2;
            case QUICK_GELU -> 3;
            case SILU -> 4;
            case RELU -> 5;
            case SIGMOID -> 6;
            case TANH -> 7;
            case EXP -> 8;
        };
    }

    static boolean isFloat16Or32(DType t) {
        return t == DType.F32 || t == DType.F16 || t == DType.BF16;
    }
}
