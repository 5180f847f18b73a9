package dev.nibble.bench.compare;

import java.util.Arrays;

/**
 * Summary of repeated timings in nanoseconds: median, quartiles (linear interpolation between order
 * statistics, numpy's default), extremes and mean. Benchmarks report the median and a spread; the
 * samples themselves are kept for the JSON report.
 */
public record Stats(int count, double median, double min, double max, double p25, double p75, double mean,
                    long[] samples) {
    public Stats {
        samples = samples.clone();
    }

    public static Stats of(long[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        long[] s = samples.clone();
        Arrays.sort(s);
        double mean = 0;
        for (long v : s) {
            mean += v;
        }
        mean /= s.length;
        return new Stats(s.length, quantile(s, 0.5), s[0], s[s.length - 1], quantile(s, 0.25), quantile(s, 0.75), mean,
                samples);
    }

    /** Quantile q of sorted values, interpolating linearly between neighbours. */
    static double quantile(long[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double f = pos - lo;
        return sorted[lo] + f * (sorted[hi] - sorted[lo]);
    }

    /** Interquartile range over the median, a scale-free spread (0.05 = ±2.5% around the middle). */
    public double relativeIqr() {
        return median == 0 ? 0 : (p75 - p25) / median;
    }

    @Override
    public long[] samples() {
        return samples.clone();
    }
}
