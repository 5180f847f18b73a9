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

    /** Normalised weights of the input taps that make up each output position along one axis. */
    private record Kernel(int[] first, double[][] weights) {

        static Kernel of(int inSize, int outSize, ResizeFilter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support() * filterScale;
            int[] first = new int[outSize];
            double[][] weights = new double[outSize][];
            for (int i = 0; i < outSize; i++) {
                double center = (i + 0.5) * scale;
                int lo = Math.max((int) (center - support + 0.5), 0);
                int hi = Math.min((int) (center + support + 0.5), inSize);
                double[] w = new double[Math.max(hi - lo, 0)];
                double total = 0;
                for (int k = 0; k < w.length; k++) {
                    w[k] = filter.weight((k + lo - center + 0.5) / filterScale);
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
