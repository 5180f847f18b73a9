package dev.nibble.bench.metrics;

import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;

/**
 * Peak signal-to-noise ratio {@code 10·log10(R² / MSE)} in decibels, with the data range R explicit
 * (1 for images in [0, 1], 255 for 8-bit values, 2 for VAE-space images in [−1, 1]). The mean squared
 * error runs over every value of every channel (equal to averaging the per-channel MSEs, since channels
 * have the same size). Identical images give {@link Double#POSITIVE_INFINITY}. Sums are in double.
 */
public final class Psnr {
    private Psnr() {
    }

    /** PSNR of two arrays of the same length, e.g. [C, H, W] images flattened, in a range of width {@code dataRange}. */
    public static double of(float[] a, float[] b, double dataRange) {
        return fromMse(mse(a, b), dataRange);
    }

    /** PSNR of two images of the same size whose values are in {@code range}. */
    public static double of(ChwImage a, ChwImage b, PixelRange range) {
        ImageChecks.sameSize(a, b);
        return of(a.data(), b.data(), ImageChecks.dataRange(range));
    }

    /** The mean squared error of two arrays of the same length. */
    public static double mse(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("arrays differ in length: " + a.length + " vs " + b.length);
        }
        if (a.length == 0) {
            throw new IllegalArgumentException("PSNR of empty arrays");
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return s / a.length;
    }

    /** {@code 10·log10(R² / mse)}; infinite for a zero error. */
    public static double fromMse(double mse, double dataRange) {
        ImageChecks.positiveRange(dataRange);
        if (mse < 0 || Double.isNaN(mse)) {
            throw new IllegalArgumentException("MSE must be a non-negative number, got " + mse);
        }
        if (mse == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return 10 * Math.log10(dataRange * dataRange / mse);
    }
}
