package dev.nibble.models.common.image;

/**
 * Separable image resizing the way Pillow's {@code Image.resize} does it: output pixel centres map to input
 * coordinates (i + 0.5) * scale, and when shrinking the kernel is widened by the scale factor so every input
 * pixel contributes (area-like antialiasing instead of aliasing). Horizontal pass, then vertical; float
 * arithmetic throughout, so results are close to but not bit-identical with Pillow's 8-bit fixed point.
 */
public final class ImageResampler {
    private ImageResampler() {
    }

    /** {@code image} resized to width x height; the same instance when the size already matches. */
    public static ChwImage resize(ChwImage image, int width, int height, ResizeFilter filter) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        if (width == image.width() && height == image.height()) {
            return image;
        }
        int c = image.channels();
        int inW = image.width();
        int inH = image.height();
        float[] src = image.data();
        float[] mid = new float[c * inH * width];
        Kernel kx = Kernel.of(inW, width, filter);
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < inH; y++) {
                int inRow = (ch * inH + y) * inW;
                int outRow = (ch * inH + y) * width;
                for (int x = 0; x < width; x++) {
                    mid[outRow + x] = kx.apply(x, src, inRow, 1);
                }
            }
        }
        float[] out = new float[c * height * width];
        Kernel ky = Kernel.of(inH, height, filter);
        for (int ch = 0; ch < c; ch++) {
            int plane = ch * inH * width;
            for (int y = 0; y < height; y++) {
                int outRow = (ch * height + y) * width;
                for (int x = 0; x < width; x++) {
                    out[outRow + x] = ky.apply(y, mid, plane + x, width);
                }
            }
        }
        return new ChwImage(c, height, width, out);
    }

    /** Fraction bits of Pillow's fixed-point 8-bit resampling weights (32 - 8 - 2). */
    private static final int PRECISION_BITS = 22;

    /**
     * Pillow's own 8-bit path, what {@code Image.resize} does to an RGB or L image: the same filter weights
     * as {@link #resize}, quantised to 22 fraction bits, integer accumulation, and a rounded, clamped 8-bit
     * result after each pass (horizontal first; a pass whose size does not change is skipped). Bit-exact
     * with Pillow's {@code Resample.c}, which is what transformers' image processors resize with.
     *
     * @param pixels planar [C, H, W] values in 0..255
     * @return planar [C, outHeight, outWidth] values in 0..255; a copy when the size already matches
     */
    public static int[] resize8(int[] pixels, int channels, int height, int width, int outWidth, int outHeight,
                                ResizeFilter filter) {
        if (outWidth < 1 || outHeight < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + outWidth + "x" + outHeight);
        }
        if (channels < 1 || height < 1 || width < 1 || (long) channels * height * width != pixels.length) {
            throw new IllegalArgumentException(channels + "x" + height + "x" + width + " image needs "
                    + (long) channels * height * width + " values, got " + pixels.length);
        }
        for (int v : pixels) {
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("8-bit pixel values must be in 0..255, got " + v);
            }
        }
        int[] cur = pixels.clone();
        int w = width;
        if (outWidth != width) {
            Kernel kx = Kernel.of(width, outWidth, filter);
            int[][] k = kx.fixed();
            int[] next = new int[channels * height * outWidth];
            for (int row = 0; row < channels * height; row++) {
                for (int x = 0; x < outWidth; x++) {
                    next[row * outWidth + x] = kx.apply8(x, k[x], cur, row * w, 1);
                }
            }
            cur = next;
            w = outWidth;
        }
        if (outHeight != height) {
            Kernel ky = Kernel.of(height, outHeight, filter);
            int[][] k = ky.fixed();
            int[] next = new int[channels * outHeight * w];
            for (int ch = 0; ch < channels; ch++) {
                for (int y = 0; y < outHeight; y++) {
                    for (int x = 0; x < w; x++) {
                        next[(ch * outHeight + y) * w + x] = ky.apply8(y, k[y], cur, ch * height * w + x, w);
                    }
                }
            }
            cur = next;
        }
        return cur;
    }

    /** Normalised weights of the input taps that make up each output position along one axis. */
    private record Kernel(int[] first, double[][] weights) {

        static Kernel of(int inSize, int outSize, ResizeFilter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support() * filterScale;
            double ss = 1.0 / filterScale; // Pillow multiplies by the reciprocal; kept for bit-exact weights
            int[] first = new int[outSize];
            double[][] weights = new double[outSize][];
            for (int i = 0; i < outSize; i++) {
                double center = (i + 0.5) * scale;
                int lo = Math.max((int) (center - support + 0.5), 0);
                int hi = Math.min((int) (center + support + 0.5), inSize);
                double[] w = new double[Math.max(hi - lo, 0)];
                double total = 0;
                for (int k = 0; k < w.length; k++) {
                    w[k] = filter.weight((k + lo - center + 0.5) * ss);
                    total += w[k];
                }
                if (total != 0) {
                    for (int k = 0; k < w.length; k++) {
                        w[k] /= total;
                    }
                }
                first[i] = lo;
                weights[i] = w;
            }
            return new Kernel(first, weights);
        }

        /** The weights in Pillow's fixed point: rounded half away from zero to {@link #PRECISION_BITS} fraction bits. */
        int[][] fixed() {
            int[][] out = new int[weights.length][];
            for (int i = 0; i < weights.length; i++) {
                out[i] = new int[weights[i].length];
                for (int k = 0; k < out[i].length; k++) {
                    double v = weights[i][k] * (1 << PRECISION_BITS);
                    out[i][k] = (int) (v < 0 ? -0.5 + v : 0.5 + v);
                }
            }
            return out;
        }

        /** Pillow's 8-bit tap sum: integer accumulation from one half, then shift and clamp to 0..255. */
        int apply8(int i, int[] k, int[] data, int offset, int stride) {
            int base = offset + first[i] * stride;
            int sum = 1 << (PRECISION_BITS - 1);
            for (int t = 0; t < k.length; t++) {
                sum += data[base + t * stride] * k[t];
            }
            int v = sum >> PRECISION_BITS;
            return v < 0 ? 0 : Math.min(v, 255);
        }

        /** Weighted sum for output position i over data[offset + (first + k) * stride]. */
        float apply(int i, float[] data, int offset, int stride) {
            double[] w = weights[i];
            int base = offset + first[i] * stride;
            double sum = 0;
            for (int k = 0; k < w.length; k++) {
                sum += w[k] * data[base + k * stride];
            }
            return (float) sum;
        }
    }
}
