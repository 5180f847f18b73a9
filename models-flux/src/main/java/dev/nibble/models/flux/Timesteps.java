package dev.nibble.models.flux;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.TorchMath;

/**
 * diffusers' {@code Timesteps(256, flip_sin_to_cos=True, downscale_freq_shift=0)} applied to
 * {@code 1000 · t}, computed on the host in float32 as torch does: freq_j = exp(−ln(10000)·j / 128),
 * arg = (1000·t)·freq_j, embedding = [cos(arg) | sin(arg)].
 *
 * <p>Why on the host: the arguments reach 1000 (timesteps) and 1000 × guidance scale (3500 for FLUX.1-dev
 * defaults), where one float32 ulp of an argument is 1e-4–2e-4 and moves the model output by ~1e-5
 * relative. Computing the small [B, 256] table here keeps every backend on the same values instead of
 * each kernel's own exp/sin rounding.
 */
final class Timesteps {
    static final int DIM = 256;
    private static final int HALF = DIM / 2;

    private static final float[] FREQS = frequencies();

    private Timesteps() {
    }

    /**
     * exponent = (−ln(10000) as float32) · j / 128 in float32, as torch builds it; then exp as torch's
     * CPU kernel evaluates it ({@link TorchMath#exp}): with a correctly rounded exp, a few frequencies
     * differ from torch's by an ulp, which moves FLUX.1-dev outputs by ~1e-5 relative.
     */
    private static float[] frequencies() {
        float negLog = (float) -Math.log(10000.0);
        float[] f = new float[HALF];
        for (int j = 0; j < HALF; j++) {
            float exponent = (negLog * j) / (float) HALF;
            f[j] = TorchMath.exp(exponent);
        }
        return f;
    }

    /** The 128 frequencies (a copy). */
    static float[] frequenciesTable() {
        return FREQS.clone();
    }

    /** [B] values (t/1000 or guidance scale) → [B, 256] embeddings of 1000·value. */
    static Tensor project(float[] values) {
        int b = values.length;
        float[] out = new float[b * DIM];
        for (int i = 0; i < b; i++) {
            float scaled = values[i] * 1000f; // the model's float32 "timestep * 1000"
            for (int j = 0; j < HALF; j++) {
                float arg = scaled * FREQS[j]; // float32 product, as torch rounds it
                out[i * DIM + j] = (float) Math.cos(arg);
                out[i * DIM + HALF + j] = (float) Math.sin(arg);
            }
        }
        return Tensor.ofFloats(Shape.of(b, DIM), out);
    }
}
