package dev.nibble.bench.metrics;

/**
 * A metric over a set of images: mean, sample standard deviation, extremes and count — or, when the
 * metric could not be computed, why not ({@link #reason}). Infinite values (PSNR of identical images)
 * make the mean infinite, as they should.
 */
public record Summary(String metric, int count, double mean, double std, double min, double max, String reason) {

    public static Summary of(String metric, double[] values) {
        if (values.length == 0) {
            return notComputed(metric, "no images");
        }
        double mean = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            mean += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        mean /= values.length;
        double var = 0;
        if (Double.isFinite(mean)) {
            for (double v : values) {
                var += (v - mean) * (v - mean);
            }
            var = values.length > 1 ? var / (values.length - 1) : 0;
        }
        return new Summary(metric, values.length, mean, Math.sqrt(var), min, max, null);
    }

    /** A single value (FID is one number for a whole set). */
    public static Summary single(String metric, double value, int count) {
        return new Summary(metric, count, value, 0, value, value, null);
    }

    public static Summary notComputed(String metric, String reason) {
        return new Summary(metric, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, reason);
    }

    public boolean computed() {
        return reason == null;
    }
}
