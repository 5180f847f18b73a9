package dev.nibble.models.common.image;

/** Reconstruction kernels for {@link ImageResampler}, defined as Pillow defines them. */
public enum ResizeFilter {
    /** Pillow's LANCZOS (a = 3); diffusers' VaeImageProcessor resizes with it by default. */
    LANCZOS3(3.0) {
        @Override
        double weight(double x) {
            return x > -3.0 && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
        }
    },
    /** Pillow's BICUBIC (Keys kernel, a = -0.5). */
    BICUBIC(2.0) {
        @Override
        double weight(double x) {
            double a = -0.5;
            double t = Math.abs(x);
            if (t < 1.0) {
                return ((a + 2.0) * t - (a + 3.0)) * t * t + 1;
            }
            if (t < 2.0) {
                return (((t - 5) * t + 8) * t - 4) * a;
            }
            return 0.0;
        }
    };

    private final double support;

    ResizeFilter(double support) {
        this.support = support;
    }

    /** Half-width of the kernel at scale 1. */
    double support() {
        return support;
    }

    abstract double weight(double x);

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }
}
