package dev.nibble.models.common.scheduler;

import java.util.SplittableRandom;

/**
 * Seeded standard-normal noise for initial latents. The same seed gives the same floats on every JVM and
 * platform: SplittableRandom's SplitMix64 stream is fully specified and the Box-Muller transform uses
 * {@link StrictMath}. It does not reproduce torch.randn; reference comparisons feed the recorded latents.
 */
public final class DiffusionNoise {
    private DiffusionNoise() {
    }

    /** {@code n} independent N(0, 1) samples drawn from {@code seed}. */
    public static float[] normal(long seed, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        float[] out = new float[n];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i += 2) {
            // 1 - u lies in (0, 1], so the logarithm is finite
            double radius = StrictMath.sqrt(-2.0 * StrictMath.log(1.0 - random.nextDouble()));
            double angle = 2.0 * StrictMath.PI * random.nextDouble();
            out[i] = (float) (radius * StrictMath.cos(angle));
            if (i + 1 < n) {
                out[i + 1] = (float) (radius * StrictMath.sin(angle));
            }
        }
        return out;
    }
}
