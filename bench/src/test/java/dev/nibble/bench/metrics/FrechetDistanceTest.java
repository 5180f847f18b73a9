package dev.nibble.bench.metrics;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrechetDistanceTest {
    @Test
    void identicalFeatureSetsHaveDistanceZero() {
        double[][] f = randomFeatures(200, 16, 1);
        GaussianStats s = GaussianStats.of(f);
        FrechetDistance.Result r = FrechetDistance.compute(s, GaussianStats.of(f));
        assertEquals(0.0, r.distance(), 1e-9);
        assertFalse(r.regularised());
    }

    @Test
    void identicalSingularFeatureSetsStayFinite() {
        // fewer samples than dimensions: rank-deficient covariances, as with a few images and 2048 features
        double[][] f = randomFeatures(10, 64, 2);
        FrechetDistance.Result r = FrechetDistance.compute(GaussianStats.of(f), GaussianStats.of(f));
        assertTrue(Double.isFinite(r.distance()));
        assertEquals(0.0, r.distance(), 1e-6);
    }

    @Test
    void fewSamplesGiveTheSameDistanceThroughTheSmallMatrices() {
        // 12 and 9 samples of 48 features (shifted and scaled differently): the n×n path against the d×d one
        float[][] a = floats(randomFeatures(12, 48, 5), 1.0, 0.0);
        float[][] b = floats(randomFeatures(9, 48, 6), 1.7, 0.4);
        FrechetDistance.Result full = FrechetDistance.compute(GaussianStats.of(a), GaussianStats.of(b));
        FrechetDistance.Result small = FrechetDistance.compute(a, b);
        assertEquals(full.distance(), small.distance(), 1e-6 * full.distance());
        assertEquals(full.meanTerm(), small.meanTerm(), 1e-9 * full.meanTerm());
        // against full-rank statistics of another set (500 samples)
        GaussianStats c = GaussianStats.of(floats(randomFeatures(500, 48, 7), 0.8, -0.2));
        FrechetDistance.Result fullC = FrechetDistance.compute(GaussianStats.of(a), c);
        assertEquals(fullC.distance(), FrechetDistance.compute(a, c).distance(), 1e-6 * fullC.distance());
        // identical sets → 0, without any regularisation
        assertEquals(0.0, FrechetDistance.compute(a, a).distance(), 1e-9);
        assertFalse(FrechetDistance.compute(a, a).regularised());
        // more samples than dimensions take the general path and agree with it exactly
        float[][] many = floats(randomFeatures(60, 48, 8), 1.0, 0.0);
        assertEquals(FrechetDistance.compute(GaussianStats.of(many), GaussianStats.of(b)).distance(),
                FrechetDistance.compute(many, b).distance(), 0);
    }

    private static float[][] floats(double[][] x, double scale, double shift) {
        float[][] out = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = new float[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = (float) (scale * x[i][j] + shift);
            }
        }
        return out;
    }

    @Test
    void diagonalGaussiansMatchTheClosedForm() {
        // d² = |μ1 − μ2|² + Σ (√a_i − √b_i)² for diagonal covariances
        double[] m1 = {0, 1, 2, -1};
        double[] m2 = {1, 1, 0, 0.5};
        double[] a = {1, 4, 0.25, 2};
        double[] b = {9, 1, 0.25, 0.5};
        double expected = 0;
        for (int i = 0; i < 4; i++) {
            expected += (m1[i] - m2[i]) * (m1[i] - m2[i]) + Math.pow(Math.sqrt(a[i]) - Math.sqrt(b[i]), 2);
        }
        FrechetDistance.Result r = FrechetDistance.compute(new GaussianStats(m1, diag(a), 0),
                new GaussianStats(m2, diag(b), 0));
        assertEquals(expected, r.distance(), 1e-10);
        assertEquals(1 + 4 + 2.25, r.meanTerm(), 1e-12);
    }

    @Test
    void generalTwoByTwoMatchesTheClosedForm() {
        // for 2x2 SPD matrices tr √(Σ1Σ2) = √(tr(Σ1Σ2) + 2√(det Σ1 · det Σ2)) (√ of a 2x2 with eigenvalues l1, l2
        // has trace √l1 + √l2, and (√l1 + √l2)² = tr + 2√det); Σ1 and Σ2 do not commute here
        double[][] s1 = {{2, 0.7}, {0.7, 1}};
        double[][] s2 = {{1, -0.4}, {-0.4, 3}};
        double tr12 = s1[0][0] * s2[0][0] + s1[0][1] * s2[1][0] + s1[1][0] * s2[0][1] + s1[1][1] * s2[1][1];
        double det1 = s1[0][0] * s1[1][1] - s1[0][1] * s1[1][0];
        double det2 = s2[0][0] * s2[1][1] - s2[0][1] * s2[1][0];
        double trSqrt = Math.sqrt(tr12 + 2 * Math.sqrt(det1 * det2));
        double[] m1 = {0.5, -0.5};
        double[] m2 = {0, 0};
        double expected = 0.5 + (3 + 4) - 2 * trSqrt;
        FrechetDistance.Result r = FrechetDistance.compute(new GaussianStats(m1, s1, 0), new GaussianStats(m2, s2, 0));
        assertEquals(expected, r.distance(), 1e-12);
    }

    @Test
    void oneDimensionIsTheDifferenceOfMeansAndDeviations() {
        FrechetDistance.Result r = FrechetDistance.compute(new GaussianStats(new double[] {3}, new double[][] {{4}}, 0),
                new GaussianStats(new double[] {1}, new double[][] {{1}}, 0));
        assertEquals(4 + 1, r.distance(), 1e-12); // (3−1)² + (2−1)²
    }

    @Test
    void samplesOfTwoKnownGaussiansApproachTheirDistance() {
        // N(0, I) vs N(μ, 4I) in 3 dimensions: |μ|² + 3·(1 − 2)² ; 20000 samples each
        int n = 20000;
        int d = 3;
        double[] mu = {1, 0, -2};
        SplittableRandom r = new SplittableRandom(3);
        double[][] a = new double[n][d];
        double[][] b = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                a[i][j] = gauss(r);
                b[i][j] = mu[j] + 2 * gauss(r);
            }
        }
        double expected = 5 + 3;
        assertEquals(expected, FrechetDistance.compute(GaussianStats.of(a), GaussianStats.of(b)).distance(), 0.15);
    }

    @Test
    void clearlyNonPositiveCovarianceIsRegularised() {
        // not a covariance (eigenvalue −1): the plain computation is refused, the eps retry reports itself
        double[][] bad = {{0, 1}, {1, 0}};
        FrechetDistance.Result r = FrechetDistance.compute(new GaussianStats(new double[2], bad, 0),
                new GaussianStats(new double[2], diag(new double[] {1, 1}), 0), 1.0);
        assertTrue(r.regularised());
        assertEquals(1.0, r.epsilon());
        assertTrue(Double.isFinite(r.distance()));
    }

    @Test
    void covarianceMatchesNumpyCov() {
        // numpy.cov([[1, 2], [3, 5], [4, 4], [0, 1]], rowvar=False): deviations (−1, 1, 2, −2) and (−1, 2, 1, −2)
        // from the means (2, 3) give [[10/3, 3], [3, 10/3]] with the N − 1 normalisation
        GaussianStats s = GaussianStats.of(new double[][] {{1, 2}, {3, 5}, {4, 4}, {0, 1}});
        assertArrayEquals(new double[] {2, 3}, s.mean(), 1e-12);
        assertArrayEquals(new double[] {10.0 / 3, 3}, s.covariance()[0], 1e-12);
        assertArrayEquals(new double[] {3, 10.0 / 3}, s.covariance()[1], 1e-12);
        assertEquals(4, s.count());
    }

    @Test
    void largeMeansDoNotCancelTheCovariance() {
        double[][] f = {{1e8 + 1, 0}, {1e8 + 2, 0}, {1e8 + 3, 0}};
        assertEquals(1.0, GaussianStats.of(f).covariance()[0][0], 1e-9);
    }

    @Test
    void rejectsMismatchedDimensions() {
        GaussianStats a = new GaussianStats(new double[2], diag(new double[] {1, 1}), 0);
        GaussianStats b = new GaussianStats(new double[3], diag(new double[] {1, 1, 1}), 0);
        assertThrows(IllegalArgumentException.class, () -> FrechetDistance.compute(a, b));
        assertThrows(IllegalStateException.class, () -> GaussianStats.of(new double[][] {{1, 2}}));
    }

    static double[][] diag(double[] v) {
        double[][] m = new double[v.length][v.length];
        for (int i = 0; i < v.length; i++) {
            m[i][i] = v[i];
        }
        return m;
    }

    static double gauss(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    static double[][] randomFeatures(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] f = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                f[i][j] = gauss(r) * (1 + j % 3) + j;
            }
        }
        return f;
    }
}
