package dev.nibble.bench.metrics;

/**
 * Resizing as {@code torch.nn.functional.interpolate(mode="bilinear", align_corners=False)} without
 * antialiasing — what pytorch-fid applies before Inception. Output pixel i samples the input at
 * {@code (i + 0.5)·in/out − 0.5}, clamped at 0, from its two neighbours (the upper one clamped to the
 * edge). Unlike Pillow's resize (ImageResampler) a shrink does not widen the kernel, so it matches
 * PyTorch only this way.
 */
final class TorchBilinear {
    private TorchBilinear() {
    }

    /** {@code src} [channels, inH, inW] resized to [channels, outH, outW]. */
    static float[] resize(float[] src, int channels, int inH, int inW, int outH, int outW) {
        Axis ys = Axis.of(inH, outH);
        Axis xs = Axis.of(inW, outW);
        float[] out = new float[channels * outH * outW];
        for (int c = 0; c < channels; c++) {
            int plane = c * inH * inW;
            for (int y = 0; y < outH; y++) {
                int r0 = plane + ys.lo[y] * inW;
                int r1 = plane + ys.hi[y] * inW;
                float wy = ys.frac[y];
                for (int x = 0; x < outW; x++) {
                    float wx = xs.frac[x];
                    int a = xs.lo[x];
                    int b = xs.hi[x];
                    // PyTorch's CPU kernel: h0λ·(w0λ·p00 + w1λ·p01) + h1λ·(w0λ·p10 + w1λ·p11), in float
                    float top = (1 - wx) * src[r0 + a] + wx * src[r0 + b];
                    float bottom = (1 - wx) * src[r1 + a] + wx * src[r1 + b];
                    out[(c * outH + y) * outW + x] = (1 - wy) * top + wy * bottom;
                }
            }
        }
        return out;
    }

    /** For each output index: the lower and upper input index and the upper one's weight. */
    private record Axis(int[] lo, int[] hi, float[] frac) {
        static Axis of(int in, int out) {
            float scale = (float) in / out;
            int[] lo = new int[out];
            int[] hi = new int[out];
            float[] frac = new float[out];
            for (int i = 0; i < out; i++) {
                float src = Math.max(scale * (i + 0.5f) - 0.5f, 0f);
                int l = (int) src;
                lo[i] = l;
                hi[i] = l < in - 1 ? l + 1 : l;
                frac[i] = src - l;
            }
            return new Axis(lo, hi, frac);
        }
    }
}
