package dev.nibble.bench.metrics;

import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;

/** Argument checks and range conventions shared by the image metrics. */
final class ImageChecks {
    private ImageChecks() {
    }

    static void sameSize(ChwImage a, ChwImage b) {
        if (a.channels() != b.channels() || a.height() != b.height() || a.width() != b.width()) {
            throw new IllegalArgumentException("images differ in size: " + a.channels() + "x" + a.height() + "x"
                    + a.width() + " vs " + b.channels() + "x" + b.height() + "x" + b.width());
        }
    }

    /** The width of a pixel range: 2 for [−1, 1], 1 for [0, 1]. */
    static double dataRange(PixelRange range) {
        return switch (range) {
            case SIGNED -> 2.0;
            case UNIT -> 1.0;
        };
    }

    static void positiveRange(double dataRange) {
        if (!(dataRange > 0) || Double.isInfinite(dataRange)) {
            throw new IllegalArgumentException("data range must be positive and finite, got " + dataRange);
        }
    }

    static void chw(float[] data, int c, int h, int w) {
        if (c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("image dimensions must be positive: " + c + "x" + h + "x" + w);
        }
        if ((long) c * h * w != data.length) {
            throw new IllegalArgumentException(c + "x" + h + "x" + w + " image needs " + (long) c * h * w
                    + " values, got " + data.length);
        }
    }
}
