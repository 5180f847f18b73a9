package dev.nibble.backend.cuda;

import java.util.Locale;

/** Which GEMM kernel runs SvdqLinear's 4-bit product. */
public enum SvdqPath {
    /** Pick by compute capability: S4 on sm_80..sm_89, S8 on sm_90 and later, SIMPLE below sm_80. */
    AUTO,
    /** Tensor cores, mma.m16n8k64 s4 (native INT4 on Ampere/Ada). Needs sm_80+, G % 64 == 0. */
    S4,
    /** Tensor cores, 4-bit storage unpacked to int8 in registers, mma.m16n8k32 s8 (Hopper has no INT4 MMA). */
    S8,
    /** CUDA cores, dp4a on unpacked nibbles: any even G, any alignment, any architecture. */
    SIMPLE;

    static SvdqPath fromSetting(String s) {
        if (s == null || s.isBlank()) {
            return AUTO;
        }
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown SvdqLinear GEMM '" + s + "' (" + CudaDevice.SVDQ_PATH_PROPERTY
                    + " / NIBBLE_CUDA_SVDQ): use auto, s4, s8 or simple");
        }
    }

    /** The concrete path for a device of compute capability {@code cc} (e.g. 86). */
    static SvdqPath resolve(SvdqPath setting, int cc) {
        if (cc < 80) {
            return SIMPLE;
        }
        if (setting == AUTO) {
            return cc >= 90 ? S8 : S4;
        }
        return setting;
    }

    String describe() {
        return switch (this) {
            case AUTO -> "auto";
            case S4 -> "s4 (mma.m16n8k64.s4 tensor cores)";
            case S8 -> "s8 (int4 unpacked to int8, mma.m16n8k32.s8 tensor cores)";
            case SIMPLE -> "simple (dp4a on CUDA cores)";
        };
    }
}
