package dev.nibble.models.common.image;

/** How float pixel values map to intensity: VAE space [-1, 1] or plain [0, 1]. */
public enum PixelRange {
    /** -1 is black, 1 is white: what VAEs take and return. */
    SIGNED,
    /** 0 is black, 1 is white. */
    UNIT;

    /** To [0, 1] (not clamped), in float32 as diffusers' denormalize computes it (x / 2 + 0.5). */
    float toUnit(float v) {
        return this == SIGNED ? v / 2f + 0.5f : v;
    }

    /** From [0, 1] into this range (2x - 1 for SIGNED, as diffusers' normalize). */
    float fromUnit(float u) {
        return this == SIGNED ? 2f * u - 1f : u;
    }
}
