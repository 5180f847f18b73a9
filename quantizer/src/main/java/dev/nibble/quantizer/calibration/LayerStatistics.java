package dev.nibble.quantizer.calibration;

import dev.nibble.quantizer.LayerCalibration;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * What one linear layer saw during calibration: the per-input-channel max|x| over every row it was given,
 * and a uniform random sample of at most {@code capacity} input rows (reservoir sampling, Algorithm R), so
 * every row of every denoising step of every prompt is equally likely to be kept whatever the order.
 * Not thread-safe (the executor observes one node at a time).
 */
public final class LayerStatistics {
    private final int k;
    private final int capacity;
    private final float[] absMax;
    private final float[] sample;
    private final SplittableRandom random;
    private int kept;
    private long seen;
    private int calls;

    public LayerStatistics(int k, int capacity, long seed) {
        if (k <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("need K > 0 and capacity > 0, got " + k + ", " + capacity);
        }
        this.k = k;
        this.capacity = capacity;
        this.absMax = new float[k];
        this.sample = new float[Math.multiplyExact(capacity, k)];
        this.random = new SplittableRandom(seed);
    }

    public int k() {
        return k;
    }

    /** Rows seen so far (all of them, not only those kept). */
    public long rowsSeen() {
        return seen;
    }

    /** Rows in the sample now: min(capacity, rows seen). */
    public int rowsKept() {
        return kept;
    }

    /** How many observed calls (forward passes) contributed. */
    public int calls() {
        return calls;
    }

    /** Adds rows given as a row-major [rows, K] array (any number of leading dimensions flattened). */
    public void add(float[] rows) {
        if (rows.length % k != 0) {
            throw new IllegalArgumentException(rows.length + " values are not whole rows of K=" + k);
        }
        int m = rows.length / k;
        for (int i = 0; i < m; i++) {
            int off = i * k;
            for (int j = 0; j < k; j++) {
                float a = Math.abs(rows[off + j]);
                if (a > absMax[j] || Float.isNaN(a)) {
                    absMax[j] = a;
                }
            }
            seen++;
            if (kept < capacity) {
                System.arraycopy(rows, off, sample, kept * k, k);
                kept++;
            } else {
                long slot = random.nextLong(seen);
                if (slot < capacity) {
                    System.arraycopy(rows, off, sample, (int) slot * k, k);
                }
            }
        }
        calls++;
    }

    /**
     * The statistics as the quantiser takes them: the sampled rows shuffled (so that the quantiser's
     * held-out last quarter is a random subset, not the last steps), and the max over all rows seen.
     */
    public LayerCalibration toCalibration(String description, long shuffleSeed) {
        if (kept == 0) {
            throw new IllegalStateException("no rows recorded");
        }
        float[] rows = Arrays.copyOf(sample, kept * k);
        SplittableRandom r = new SplittableRandom(shuffleSeed);
        float[] tmp = new float[k];
        for (int i = kept - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            if (j != i) {
                System.arraycopy(rows, i * k, tmp, 0, k);
                System.arraycopy(rows, j * k, rows, i * k, k);
                System.arraycopy(tmp, 0, rows, j * k, k);
            }
        }
        return new LayerCalibration(k, rows, kept, absMax.clone(), false, description);
    }
}
