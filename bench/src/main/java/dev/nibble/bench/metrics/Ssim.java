package dev.nibble.bench.metrics;

import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;

/**
 * Structural similarity (Wang, Bovik, Sheikh and Simoncelli, IEEE TIP 2004) as the authors' reference
 * implementation computes it: an 11×11 Gaussian window with σ = 1.5 (normalised to sum 1), local means,
 * variances and covariance without Bessel's correction, C1 = (K1·R)², C2 = (K2·R)² with K1 = 0.01,
 * K2 = 0.03 and R the data range, the SSIM map over the "valid" positions only (where the whole window
 * lies inside the image), its mean per channel, then the mean over channels. This equals
 * scikit-image's {@code structural_similarity(a, b, data_range=R, channel_axis=0, gaussian_weights=True,
 * sigma=1.5, use_sample_covariance=False)}, which crops the same border from its map. Computed in double.
 * Both images must be at least 11 pixels high and wide.
 */
public final class Ssim {
    public static final int WINDOW = 11;
    public static final double SIGMA = 1.5;
    public static final double K1 = 0.01;
    public static final double K2 = 0.03;

    private static final double[] KERNEL = gaussian(WINDOW, SIGMA);

    private Ssim() {
    }

    /** Mean SSIM of two [C, H, W] images in a range of width {@code dataRange}, averaged over channels. */
    public static double of(float[] a, float[] b, int channels, int height, int width, double dataRange) {
        ImageChecks.chw(a, channels, height, width);
        ImageChecks.chw(b, channels, height, width);
        ImageChecks.positiveRange(dataRange);
        double s = 0;
        for (int c = 0; c < channels; c++) {
            s += channel(a, b, c * height * width, height, width, dataRange);
        }
        return s / channels;
    }

    /** Mean SSIM of two images of the same size whose values are in {@code range}. */
    public static double of(ChwImage a, ChwImage b, PixelRange range) {
        ImageChecks.sameSize(a, b);
        return of(a.data(), b.data(), a.channels(), a.height(), a.width(), ImageChecks.dataRange(range));
    }

    /** Mean SSIM of one channel (plane at {@code offset}). */
    static double channel(float[] a, float[] b, int offset, int h, int w, double dataRange) {
        if (h < WINDOW || w < WINDOW) {
            throw new IllegalArgumentException("SSIM needs images of at least " + WINDOW + "x" + WINDOW
                    + " pixels, got " + h + "x" + w);
        }
        int n = h * w;
        double[] x = new double[n];
        double[] y = new double[n];
        double[] xx = new double[n];
        double[] yy = new double[n];
        double[] xy = new double[n];
        for (int i = 0; i < n; i++) {
            double p = a[offset + i];
            double q = b[offset + i];
            x[i] = p;
            y[i] = q;
            xx[i] = p * p;
            yy[i] = q * q;
            xy[i] = p * q;
        }
        double[] mx = filterValid(x, h, w);
        double[] my = filterValid(y, h, w);
        double[] mxx = filterValid(xx, h, w);
        double[] myy = filterValid(yy, h, w);
        double[] mxy = filterValid(xy, h, w);
        double c1 = (K1 * dataRange) * (K1 * dataRange);
        double c2 = (K2 * dataRange) * (K2 * dataRange);
        double sum = 0;
        for (int i = 0; i < mx.length; i++) {
            double ux = mx[i];
            double uy = my[i];
            double vx = mxx[i] - ux * ux;
            double vy = myy[i] - uy * uy;
            double cxy = mxy[i] - ux * uy;
            sum += ((2 * ux * uy + c1) * (2 * cxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
        }
        return sum / mx.length;
    }

    /** The separable Gaussian filter at every position where the window fits: [(h−10), (w−10)]. */
    static double[] filterValid(double[] src, int h, int w) {
        int oh = h - WINDOW + 1;
        int ow = w - WINDOW + 1;
        double[] rows = new double[h * ow];
        for (int y = 0; y < h; y++) {
            int in = y * w;
            int out = y * ow;
            for (int x = 0; x < ow; x++) {
                double s = 0;
                for (int k = 0; k < WINDOW; k++) {
                    s += KERNEL[k] * src[in + x + k];
                }
                rows[out + x] = s;
            }
        }
        double[] out = new double[oh * ow];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                double s = 0;
                for (int k = 0; k < WINDOW; k++) {
                    s += KERNEL[k] * rows[(y + k) * ow + x];
                }
                out[y * ow + x] = s;
            }
        }
        return out;
    }

    /** A normalised 1-D Gaussian of {@code size} taps (the 2-D window is its outer product). */
    static double[] gaussian(int size, double sigma) {
        double[] g = new double[size];
        int r = size / 2;
        double total = 0;
        for (int i = 0; i < size; i++) {
            double d = i - r;
            g[i] = Math.exp(-d * d / (2 * sigma * sigma));
            total += g[i];
        }
        for (int i = 0; i < size; i++) {
            g[i] /= total;
        }
        return g;
    }
}
