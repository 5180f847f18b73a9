package dev.nibble.bench.metrics;

import java.util.Arrays;

/**
 * A Gaussian fitted to a feature set: the mean and the covariance with the unbiased (N − 1)
 * normalisation, as {@code numpy.cov(features, rowvar=False)} (what pytorch-fid and clean-fid use).
 * Arrays are copied in and out; computed in double.
 */
public final class GaussianStats {
    private final double[] mean;
    private final double[][] covariance;
    private final long count;

    /**
     * @param count how many samples the statistics came from (informational; 0 when unknown)
     */
    public GaussianStats(double[] mean, double[][] covariance, long count) {
        int d = mean.length;
        if (d == 0) {
            throw new IllegalArgumentException("features must have at least one dimension");
        }
        if (covariance.length != d) {
            throw new IllegalArgumentException("covariance must be " + d + "x" + d + ", has " + covariance.length + " rows");
        }
        this.mean = mean.clone();
        this.covariance = new double[d][];
        for (int i = 0; i < d; i++) {
            if (covariance[i].length != d) {
                throw new IllegalArgumentException("covariance row " + i + " has " + covariance[i].length
                        + " columns, expected " + d);
            }
            this.covariance[i] = covariance[i].clone();
        }
        this.count = count;
    }

    /** Statistics of {@code features[n][d]} (one row per sample, at least two rows). */
    public static GaussianStats of(float[][] features) {
        Accumulator acc = null;
        for (float[] f : features) {
            if (acc == null) {
                acc = new Accumulator(f.length);
            }
            acc.add(f);
        }
        if (acc == null) {
            throw new IllegalArgumentException("no features");
        }
        return acc.stats();
    }

    /** Statistics of {@code features[n][d]} (one row per sample, at least two rows). */
    public static GaussianStats of(double[][] features) {
        Accumulator acc = null;
        for (double[] f : features) {
            if (acc == null) {
                acc = new Accumulator(f.length);
            }
            acc.add(f);
        }
        if (acc == null) {
            throw new IllegalArgumentException("no features");
        }
        return acc.stats();
    }

    public int dimension() {
        return mean.length;
    }

    public long count() {
        return count;
    }

    public double[] mean() {
        return mean.clone();
    }

    public double[][] covariance() {
        double[][] c = new double[covariance.length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = covariance[i].clone();
        }
        return c;
    }

    double mean(int i) {
        return mean[i];
    }

    double cov(int i, int j) {
        return covariance[i][j];
    }

    /**
     * Feature vectors added one at a time. Sums are taken about the first sample (a shift that keeps the
     * covariance free of the cancellation a raw Σx² − N·μ² suffers when the mean is large).
     */
    public static final class Accumulator {
        private final int d;
        private double[] shift;
        private final double[] sum;
        private final double[] outer; // upper triangle incl. diagonal, row-major d x d
        private long n;

        public Accumulator(int dimension) {
            if (dimension < 1) {
                throw new IllegalArgumentException("dimension must be positive, got " + dimension);
            }
            this.d = dimension;
            this.sum = new double[d];
            this.outer = new double[d * d];
        }

        public void add(float[] f) {
            double[] v = new double[f.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = f[i];
            }
            add(v);
        }

        public void add(double[] f) {
            if (f.length != d) {
                throw new IllegalArgumentException("feature vector has " + f.length + " values, expected " + d);
            }
            for (double x : f) {
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException("feature vector holds a non-finite value: " + x);
                }
            }
            if (shift == null) {
                shift = f.clone();
            }
            double[] c = new double[d];
            for (int i = 0; i < d; i++) {
                c[i] = f[i] - shift[i];
                sum[i] += c[i];
            }
            for (int i = 0; i < d; i++) {
                double ci = c[i];
                if (ci == 0) {
                    continue;
                }
                int row = i * d;
                for (int j = i; j < d; j++) {
                    outer[row + j] += ci * c[j];
                }
            }
            n++;
        }

        public long count() {
            return n;
        }

        /** Mean and (N − 1)-normalised covariance; needs at least two samples. */
        public GaussianStats stats() {
            if (n < 2) {
                throw new IllegalStateException("a covariance needs at least 2 samples, have " + n);
            }
            double[] m = new double[d];
            for (int i = 0; i < d; i++) {
                m[i] = sum[i] / n;
            }
            double[][] cov = new double[d][d];
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    double v = (outer[i * d + j] - n * m[i] * m[j]) / (n - 1);
                    cov[i][j] = v;
                    cov[j][i] = v;
                }
            }
            double[] mu = new double[d];
            for (int i = 0; i < d; i++) {
                mu[i] = m[i] + shift[i];
            }
            return new GaussianStats(mu, cov, n);
        }
    }

    @Override
    public String toString() {
        return "GaussianStats[d=" + mean.length + ", n=" + count + ", mean[0..]=" + Arrays.toString(
                Arrays.copyOf(mean, Math.min(3, mean.length))) + "]";
    }
}
