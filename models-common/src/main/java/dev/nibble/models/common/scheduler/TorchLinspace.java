package dev.nibble.models.common.scheduler;

/**
 * {@code torch.linspace(start, end, steps, dtype=torch.float32)} as the CPU kernel computes it (torch 1.13,
 * AVX2 build): float32 step; the first half counts up from start, the second half down from end; blocks of 8
 * lanes start from a base value and add lane * step; the compiler fuses each multiply-add. The golden SDXL
 * sigmas only match bit for bit with this exact evaluation order (a float64 linspace rounded to float32
 * differs in the last bit of many betas, and the errors grow through the cumulative product).
 */
final class TorchLinspace {
    private static final int LANES = 8;

    private TorchLinspace() {
    }

    static float[] float32(double startValue, double endValue, int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("linspace needs steps >= 0, got " + steps);
        }
        float[] out = new float[steps];
        if (steps == 0) {
            return out;
        }
        float start = (float) startValue;
        float end = (float) endValue;
        if (steps == 1) {
            out[0] = start;
            return out;
        }
        float step = (end - start) / (float) (steps - 1);
        int halfway = steps / 2;
        // The vectorised loop handles two vectors per iteration; the tail goes through the scalar lambda.
        int vectorEnd = steps - steps % (2 * LANES);
        for (int base = 0; base < vectorEnd; base += LANES) {
            float first = scalar(start, end, step, halfway, steps, base);
            out[base] = first;
            for (int lane = 1; lane < LANES; lane++) {
                out[base + lane] = Math.fma((float) lane, step, first);
            }
        }
        for (int idx = vectorEnd; idx < steps; idx++) {
            out[idx] = scalar(start, end, step, halfway, steps, idx);
        }
        return out;
    }

    private static float scalar(float start, float end, float step, int halfway, int steps, int idx) {
        return idx < halfway
                ? Math.fma(step, (float) idx, start)
                : Math.fma(-step, (float) (steps - idx - 1), end);
    }
}
