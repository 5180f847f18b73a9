package dev.nibble.engine.tensor;

import java.util.Locale;

/**
 * Element types the engine stores. Activations are computed in F32; the narrower float types hold
 * weights, the integer types hold ids, masks and packed quantised weights.
 */
public enum DType {
    F64(64, "F64"),
    F32(32, "F32"),
    F16(16, "F16"),
    BF16(16, "BF16"),
    I64(64, "I64"),
    I32(32, "I32"),
    I16(16, "I16"),
    I8(8, "I8"),
    U8(8, "U8"),
    BOOL(8, "BOOL"),
    /** Two signed 4-bit values per byte, low nibble first (see DESIGN.md §3). */
    INT4(4, "I4");

    private final int bits;
    private final String safetensorsName;

    DType(int bits, String safetensorsName) {
        this.bits = bits;
        this.safetensorsName = safetensorsName;
    }

    public int bits() {
        return bits;
    }

    /** Bytes taken by {@code elements} values of this type; packed types round up to whole bytes. */
    public long byteSize(long elements) {
        return (elements * bits + 7) / 8;
    }

    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The name used in safetensors headers ("F32", "BF16", ...). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Parses a safetensors dtype name; returns null when the name is not one we know. */
    public static DType fromSafetensorsName(String name) {
        if (name == null) {
            return null;
        }
        for (DType t : values()) {
            if (t.safetensorsName.equals(name.toUpperCase(Locale.ROOT))) {
                return t;
            }
        }
        return null;
    }
}
