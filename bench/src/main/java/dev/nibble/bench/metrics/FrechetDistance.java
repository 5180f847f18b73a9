package dev.nibble.bench.metrics;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Fréchet distance between two Gaussians — FID when they are fitted to Inception-v3 pool features:
 * <pre>
 *   d² = |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2·tr (Σ1·Σ2)^{1/2}
 * </pre>
 * The trace of the square root is computed in double through the symmetric form
 * {@code tr (Σ1^{1/2}·Σ2·Σ1^{1/2})^{1/2}} (the two matrices are similar, so their eigenvalues agree):
 * Σ1^{1/2} from a symmetric eigen-decomposition of Σ1, then the eigenvalues λ of the symmetric
 * positive semi-definite product, Σ √λ. Unlike a general {@code sqrtm} of the non-symmetric Σ1·Σ2 this
 * has no complex round-off to discard. Round-off can still leave small negative eigenvalues when the
 * covariances are singular (fewer samples than feature dimensions — the usual case with a few hundred
 * images and 2048 features); those within {@link #NEGATIVE_TOLERANCE} of the largest are taken as zero.
 * If a clearly negative eigenvalue or a non-finite value appears, the computation is repeated with
 * {@code eps·I} added to both covariances (as pytorch-fid does, eps = 1e-6) and the result says so.
 */
public final class FrechetDistance {
    /** The offset added to both covariances when the plain computation is not usable. */
    public static final double DEFAULT_EPS = 1e-6;
    /** Relative size below which negative eigenvalues are treated as round-off. */
    public static final double NEGATIVE_TOLERANCE = 1e-9;

    /**
     * @param distance  the Fréchet distance (squared-distance units, as FID is reported), clamped at 0
     * @param meanTerm  |μ1 − μ2|²
     * @param traceTerm tr Σ1 + tr Σ2 − 2·tr (Σ1·Σ2)^{1/2}
     * @param epsilon   the offset that had to be added to both covariances, 0 when none was needed
     */
    public record Result(double distance, double meanTerm, double traceTerm, double epsilon) {
        public boolean regularised() {
            return epsilon > 0;
        }
    }

    private FrechetDistance() {
    }

    /** The Fréchet distance; see the class comment. */
    public static Result compute(GaussianStats a, GaussianStats b) {
        return compute(a, b, DEFAULT_EPS);
    }

    /** As {@link #compute(GaussianStats, GaussianStats)} with a chosen regularisation offset. */
    public static Result compute(GaussianStats a, GaussianStats b, double eps) {
        if (a.dimension() != b.dimension()) {
            throw new IllegalArgumentException("feature dimensions differ: " + a.dimension() + " vs " + b.dimension());
        }
        Result r = attempt(a, b, 0);
        if (r != null) {
            return r;
        }
        r = attempt(a, b, eps);
        if (r == null) {
            throw new ArithmeticException("Fréchet distance not computable even with eps = " + eps
                    + " added to the covariances (non-finite statistics?)");
        }
        return r;
    }

    /**
     * The Fréchet distance between the Gaussians fitted to two feature sets (rows are samples). When a set
     * has fewer samples than dimensions — the usual FID case, a few hundred images against 2048 features — its
     * covariance is {@code AᵀA} with {@code A} the centred samples over √(n − 1), and the cross term needs only
     * small matrices: {@code tr (Σa·Σb)^{1/2}} is the sum of the singular values of {@code A·Bᵀ}
     * (the square roots of the eigenvalues of the na×na matrix {@code (A·Bᵀ)(A·Bᵀ)ᵀ}). Exact, and far cheaper
     * than two d×d eigen-decompositions; otherwise this is {@link #compute(GaussianStats, GaussianStats)}.
     */
    public static Result compute(float[][] a, float[][] b) {
        requireSamples(a, b.length == 0 ? 0 : b[0].length);
        requireSamples(b, a[0].length);
        int d = a[0].length;
        if (a.length > d || b.length > d) {
            return compute(GaussianStats.of(a), GaussianStats.of(b));
        }
        Centred ca = Centred.of(a);
        Centred cb = Centred.of(b);
        DMatrixRMaj m = new DMatrixRMaj(a.length, b.length);
        CommonOps_DDRM.multTransB(ca.scaled(), cb.scaled(), m);
        DMatrixRMaj mmT = new DMatrixRMaj(a.length, a.length);
        CommonOps_DDRM.multTransB(m, m, mmT);
        return lowRank(ca.mean(), ca.trace(), cb.mean(), cb.trace(), mmT);
    }

    /**
     * The distance between the Gaussian fitted to {@code a} (rows are samples) and {@code b}: with fewer
     * samples than dimensions {@code tr (Σa·Σb)^{1/2}} is taken from the eigenvalues of the na×na matrix
     * {@code A·Σb·Aᵀ} (the same non-zero eigenvalues as Σa·Σb); otherwise the general computation.
     */
    public static Result compute(float[][] a, GaussianStats b) {
        requireSamples(a, b.dimension());
        int d = b.dimension();
        if (a.length > d) {
            return compute(GaussianStats.of(a), b);
        }
        Centred ca = Centred.of(a);
        DMatrixRMaj sb = symmetric(b, 0);
        DMatrixRMaj t = new DMatrixRMaj(a.length, d);
        CommonOps_DDRM.mult(ca.scaled(), sb, t);
        DMatrixRMaj s = new DMatrixRMaj(a.length, a.length);
        CommonOps_DDRM.multTransB(t, ca.scaled(), s);
        return lowRank(ca.mean(), ca.trace(), b.mean(), CommonOps_DDRM.trace(sb), s);
    }

    private static void requireSamples(float[][] x, int dimension) {
        if (x.length < 2) {
            throw new IllegalArgumentException("a covariance needs at least 2 samples, have " + x.length);
        }
        for (float[] row : x) {
            if (row.length != dimension) {
                throw new IllegalArgumentException("feature vectors of " + row.length + " and " + dimension
                        + " values");
            }
        }
    }

    /** |μa − μb|² + tr Σa + tr Σb − 2·Σ√λ(psd), λ the eigenvalues of the small PSD matrix {@code psd}. */
    private static Result lowRank(double[] ma, double tra, double[] mb, double trb, DMatrixRMaj psd) {
        double meanTerm = 0;
        for (int i = 0; i < ma.length; i++) {
            double diff = ma[i] - mb[i];
            meanTerm += diff * diff;
        }
        symmetrise(psd);
        double[] lambda = eigenvalues(psd);
        if (lambda == null) {
            throw new ArithmeticException("Fréchet distance: eigen-decomposition failed (non-finite features?)");
        }
        double trSqrt = 0;
        for (double l : lambda) {
            trSqrt += Math.sqrt(Math.max(l, 0)); // PSD by construction: negatives are round-off
        }
        double traceTerm = tra + trb - 2 * trSqrt;
        return new Result(Math.max(0, meanTerm + traceTerm), meanTerm, traceTerm, 0);
    }

    /** Samples centred on their mean and scaled by 1/√(n − 1): Σ = AᵀA with numpy.cov's normalisation. */
    private record Centred(double[] mean, DMatrixRMaj scaled, double trace) {
        static Centred of(float[][] x) {
            int n = x.length;
            int d = x[0].length;
            double[] mean = new double[d];
            for (float[] row : x) {
                for (int j = 0; j < d; j++) {
                    mean[j] += row[j];
                }
            }
            for (int j = 0; j < d; j++) {
                mean[j] /= n;
            }
            double scale = 1 / Math.sqrt(n - 1);
            DMatrixRMaj a = new DMatrixRMaj(n, d);
            double trace = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    double v = (x[i][j] - mean[j]) * scale;
                    a.unsafe_set(i, j, v);
                    trace += v * v;
                }
            }
            return new Centred(mean, a, trace);
        }
    }

    /** The distance with {@code offset·I} added to both covariances, or null when it is not trustworthy. */
    private static Result attempt(GaussianStats a, GaussianStats b, double offset) {
        int d = a.dimension();
        double meanTerm = 0;
        for (int i = 0; i < d; i++) {
            double diff = a.mean(i) - b.mean(i);
            meanTerm += diff * diff;
        }
        DMatrixRMaj s1 = symmetric(a, offset);
        DMatrixRMaj s2 = symmetric(b, offset);
        double tr1 = CommonOps_DDRM.trace(s1);
        double tr2 = CommonOps_DDRM.trace(s2);
        DMatrixRMaj root1 = sqrtPsd(s1);
        if (root1 == null) {
            return null;
        }
        DMatrixRMaj tmp = new DMatrixRMaj(d, d);
        DMatrixRMaj m = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(root1, s2, tmp);
        CommonOps_DDRM.mult(tmp, root1, m);
        symmetrise(m);
        double[] lambda = eigenvalues(m);
        if (lambda == null) {
            return null;
        }
        double max = 0;
        for (double l : lambda) {
            max = Math.max(max, Math.abs(l));
        }
        double trSqrt = 0;
        for (double l : lambda) {
            if (l < -NEGATIVE_TOLERANCE * Math.max(max, Double.MIN_NORMAL)) {
                return null;
            }
            trSqrt += Math.sqrt(Math.max(l, 0));
        }
        double traceTerm = tr1 + tr2 - 2 * trSqrt;
        double dist = meanTerm + traceTerm;
        if (!Double.isFinite(dist)) {
            return null;
        }
        return new Result(Math.max(0, dist), meanTerm, traceTerm, offset);
    }

    private static DMatrixRMaj symmetric(GaussianStats s, double offset) {
        int d = s.dimension();
        DMatrixRMaj m = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double v = 0.5 * (s.cov(i, j) + s.cov(j, i));
                m.unsafe_set(i, j, i == j ? v + offset : v);
            }
        }
        return m;
    }

    private static void symmetrise(DMatrixRMaj m) {
        int d = m.numRows;
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double v = 0.5 * (m.unsafe_get(i, j) + m.unsafe_get(j, i));
                m.unsafe_set(i, j, v);
                m.unsafe_set(j, i, v);
            }
        }
    }

    /**
     * The symmetric square root V·diag(√λ)·Vᵀ of a symmetric positive semi-definite matrix, negative
     * round-off eigenvalues taken as 0; null when an eigenvalue is clearly negative or the decomposition fails.
     */
    static DMatrixRMaj sqrtPsd(DMatrixRMaj s) {
        int d = s.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(s.copy())) {
            return null;
        }
        double max = 0;
        for (int i = 0; i < d; i++) {
            max = Math.max(max, Math.abs(eig.getEigenvalue(i).getReal()));
        }
        DMatrixRMaj out = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            double l = eig.getEigenvalue(i).getReal();
            if (!Double.isFinite(l) || l < -NEGATIVE_TOLERANCE * Math.max(max, Double.MIN_NORMAL)) {
                return null;
            }
            double r = Math.sqrt(Math.max(l, 0));
            if (r == 0) {
                continue;
            }
            DMatrixRMaj v = eig.getEigenVector(i);
            if (v == null) {
                return null;
            }
            double[] vd = v.data;
            for (int row = 0; row < d; row++) {
                double f = r * vd[row];
                if (f == 0) {
                    continue;
                }
                int base = row * d;
                for (int col = 0; col < d; col++) {
                    out.data[base + col] += f * vd[col];
                }
            }
        }
        return out;
    }

    /** Eigenvalues of a symmetric matrix, or null when the decomposition fails. */
    static double[] eigenvalues(DMatrixRMaj m) {
        int d = m.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, false, true);
        if (!eig.decompose(m.copy())) {
            return null;
        }
        double[] out = new double[d];
        for (int i = 0; i < d; i++) {
            out[i] = eig.getEigenvalue(i).getReal();
            if (!Double.isFinite(out[i])) {
                return null;
            }
        }
        return out;
    }
}
