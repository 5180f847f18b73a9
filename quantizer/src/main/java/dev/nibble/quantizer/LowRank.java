package dev.nibble.quantizer;

import dev.nibble.engine.tensor.DType;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

import java.util.Random;

/**
 * The low-rank branch of SVDQuant: the rank-r truncated SVD of the smoothed weight Ŵ = W·diag(λ)
 * [N, K] in float64 (EJML), Ŵ ≈ U_r Σ_r V_rᵀ, split as
 *
 * <pre>
 *   proj_up   = U_r · √Σ_r                    [N, r]
 *   proj_down = diag(1/λ) · V_r · √Σ_r        [K, r]   (applied to the RAW input: λ folded in)
 * </pre>
 *
 * so that {@code X·proj_down·proj_upᵀ = X̂·V_rΣ_rU_rᵀ = X̂·Ŵ_rᵀ}. Both factors are rounded to the stored
 * float type, and the residual {@code R = Ŵ − (diag(λ)·proj_down·proj_upᵀ)ᵀ} is computed from the rounded
 * factors, so the 4-bit residual also absorbs their rounding.
 *
 * <p>Matrices whose smaller side exceeds {@link #EXACT_LIMIT} use a randomised range finder (Gaussian
 * sketch with oversampling and power iterations, then an exact SVD of the small projected matrix);
 * below it, the full SVD.
 */
public final class LowRank {
    public static final int EXACT_LIMIT = 1024;
    private static final int OVERSAMPLE = 16;
    private static final int POWER_ITERATIONS = 3;

    /** proj_down [K, r] and proj_up [N, r] as stored (rounded to the float type), and Σ (all of it, or the sketch's). */
    public record Factors(float[] down, float[] up, int r, double[] singularValues) {
    }

    private LowRank() {
    }

    /** Rank-r factors of Ŵ [N, K] (r = 0 gives empty factors). */
    public static Factors of(double[] wHat, int n, int k, int r, float[] lambda, DType floatType, long seed) {
        if (r == 0) {
            return new Factors(new float[0], new float[0], 0, new double[0]);
        }
        if (r > Math.min(n, k)) {
            throw new IllegalArgumentException("rank " + r + " exceeds min(N, K) = " + Math.min(n, k));
        }
        DMatrixRMaj a = new DMatrixRMaj(n, k, true, wHat);
        DMatrixRMaj u;
        double[] s;
        DMatrixRMaj v;
        if (Math.min(n, k) <= EXACT_LIMIT) {
            SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(n, k, true, true, true);
            if (!svd.decompose(a.copy())) {
                throw new IllegalStateException("SVD failed for a " + n + "x" + k + " weight");
            }
            u = svd.getU(null, false);
            DMatrixRMaj w = svd.getW(null);
            v = svd.getV(null, false);
            SingularOps_DDRM.descendingOrder(u, false, w, v, false);
            int m = Math.min(w.numRows, w.numCols);
            s = new double[m];
            for (int i = 0; i < m; i++) {
                s[i] = w.get(i, i);
            }
        } else {
            Object[] usv = randomized(a, n, k, Math.min(Math.min(n, k), r + OVERSAMPLE), seed);
            u = (DMatrixRMaj) usv[0];
            s = (double[]) usv[1];
            v = (DMatrixRMaj) usv[2];
        }
        float[] up = new float[n * r];
        float[] down = new float[k * r];
        for (int j = 0; j < r; j++) {
            double root = Math.sqrt(Math.max(0, s[j]));
            for (int o = 0; o < n; o++) {
                up[o * r + j] = DTypes.round(u.get(o, j) * root, floatType);
            }
            for (int c = 0; c < k; c++) {
                down[c * r + j] = DTypes.round(v.get(c, j) * root / lambda[c], floatType);
            }
        }
        return new Factors(down, up, r, s);
    }

    /** (diag(λ)·proj_down·proj_upᵀ)ᵀ = the [N, K] matrix the branch adds in the smoothed space. */
    public static double[] product(Factors f, int n, int k, float[] lambda) {
        double[] out = new double[n * k];
        int r = f.r();
        if (r == 0) {
            return out;
        }
        for (int o = 0; o < n; o++) {
            for (int c = 0; c < k; c++) {
                double acc = 0;
                for (int j = 0; j < r; j++) {
                    acc += (double) f.up()[o * r + j] * f.down()[c * r + j];
                }
                out[o * k + c] = acc * lambda[c];
            }
        }
        return out;
    }

    /** Halko–Martinsson–Tropp: returns {U [n, l], σ [l], V [k, l]} sorted descending. */
    private static Object[] randomized(DMatrixRMaj a, int n, int k, int l, long seed) {
        Random rnd = new Random(seed);
        DMatrixRMaj omega = new DMatrixRMaj(k, l);
        for (int i = 0; i < omega.data.length; i++) {
            omega.data[i] = rnd.nextGaussian();
        }
        DMatrixRMaj y = new DMatrixRMaj(n, l);
        CommonOps_DDRM.mult(a, omega, y);
        DMatrixRMaj q = orthonormal(y);
        DMatrixRMaj z = new DMatrixRMaj(k, l);
        for (int it = 0; it < POWER_ITERATIONS; it++) {
            CommonOps_DDRM.multTransA(a, q, z);
            DMatrixRMaj qz = orthonormal(z);
            CommonOps_DDRM.mult(a, qz, y);
            q = orthonormal(y);
        }
        DMatrixRMaj b = new DMatrixRMaj(l, k);
        CommonOps_DDRM.multTransA(q, a, b);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(l, k, true, true, true);
        if (!svd.decompose(b)) {
            throw new IllegalStateException("SVD of the sketch failed for a " + n + "x" + k + " weight");
        }
        DMatrixRMaj ub = svd.getU(null, false);
        DMatrixRMaj w = svd.getW(null);
        DMatrixRMaj v = svd.getV(null, false);
        SingularOps_DDRM.descendingOrder(ub, false, w, v, false);
        DMatrixRMaj u = new DMatrixRMaj(n, ub.numCols);
        CommonOps_DDRM.mult(q, ub, u);
        int m = Math.min(w.numRows, w.numCols);
        double[] s = new double[m];
        for (int i = 0; i < m; i++) {
            s[i] = w.get(i, i);
        }
        return new Object[]{u, s, v};
    }

    private static DMatrixRMaj orthonormal(DMatrixRMaj m) {
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(m.numRows, m.numCols);
        if (!qr.decompose(m.copy())) {
            throw new IllegalStateException("QR failed");
        }
        return qr.getQ(null, true);
    }
}
