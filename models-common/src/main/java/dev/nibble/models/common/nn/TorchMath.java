package dev.nibble.models.common.nn;

/**
 * Float32 functions computed the way PyTorch's CPU kernels compute them, for the few places where
 * a reference model is sensitive to the last ulp. torch's vectorised {@code exp} is SLEEF's
 * {@code expf} (u10: within 1 ulp, not always correctly rounded); diffusion timestep embeddings
 * multiply exp's result by arguments up to ~3500, where one ulp of a frequency moves a FLUX.1
 * output by ~1e-5 relative. This reproduces the algorithm (Cody–Waite reduction by ln 2, a degree-6
 * polynomial, FMA-contracted as the AVX2 build is), not any table of results.
 */
public final class TorchMath {
    private static final float R_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
    private static final float L2U = 0.693145751953125f;
    private static final float L2L = 1.428606765330187045e-06f;

    private TorchMath() {
    }

    /** SLEEF's expf_u10 as torch's CPU float32 exp evaluates it. */
    public static float exp(float d) {
        if (Float.isNaN(d)) {
            return d;
        }
        if (d < -104f) {
            return 0f;
        }
        if (d > 104f) {
            return Float.POSITIVE_INFINITY;
        }
        int q = (int) Math.rint(d * R_LN2);
        float s = Math.fma(q, -L2U, d);
        s = Math.fma(q, -L2L, s);
        float u = 0.000198527617612853646278381f;
        u = Math.fma(u, s, 0.00139304355252534151077271f);
        u = Math.fma(u, s, 0.00833336077630519866943359f);
        u = Math.fma(u, s, 0.0416664853692054748535156f);
        u = Math.fma(u, s, 0.166666671633720397949219f);
        u = Math.fma(u, s, 0.5f);
        u = 1.0f + Math.fma(s * s, u, s);
        return Math.scalb(u, q);
    }
}
