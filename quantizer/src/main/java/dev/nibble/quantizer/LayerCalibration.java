package dev.nibble.quantizer;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * What the quantiser knows about one linear layer's inputs: a sample of input rows [count, K] and the
 * per-channel max|x| over all calibration data (which may exceed the sample's).
 *
 * @param weightOnly true for the fallback that knows no activations (unit statistics, synthetic rows)
 * @param description how these statistics were obtained, for reports and file metadata
 */
public record LayerCalibration(int k, float[] rows, int count, float[] channelAbsMax, boolean weightOnly,
                               String description) {
    public LayerCalibration {
        if (rows.length != (long) count * k) {
            throw new IllegalArgumentException(count + " rows of K=" + k + " need " + (long) count * k
                    + " values, got " + rows.length);
        }
        if (channelAbsMax.length != k) {
            throw new IllegalArgumentException("channelAbsMax has " + channelAbsMax.length + " entries, K=" + k);
        }
    }

    public static final String WEIGHT_ONLY = "weight-only (unit activation statistics, no calibration data)";

    /**
     * The weight-only fallback: max|x_j| = 1 for every channel, and {@code count} synthetic rows drawn from
     * N(0, 1) with a fixed seed to pick α and measure error. Clearly not the real activations.
     */
    public static LayerCalibration weightOnly(int k, int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] rows = new float[count * k];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) rnd.nextGaussian();
        }
        float[] amax = new float[k];
        Arrays.fill(amax, 1f);
        return new LayerCalibration(k, rows, count, amax, true, WEIGHT_ONLY);
    }

    /** Calibration from observed rows: their own per-channel maxima. */
    public static LayerCalibration ofRows(int k, float[] rows, String description) {
        int count = rows.length / k;
        float[] amax = new float[k];
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < k; j++) {
                amax[j] = Math.max(amax[j], Math.abs(rows[i * k + j]));
            }
        }
        return new LayerCalibration(k, rows, count, amax, false, description);
    }

    /** Rows [from, to) as a new array. */
    public float[] rows(int from, int to) {
        return Arrays.copyOfRange(rows, from * k, to * k);
    }
}
