package dev.nibble.models.common.vae;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;

/**
 * diffusers' VaeImageProcessor as the pipelines use it with its defaults (do_normalize): images in [0, 1]
 * to the VAE's [-1, 1] and back.
 */
public final class VaeImageProcessor {
    private VaeImageProcessor() {
    }

    /** {@code normalize}: 2x − 1, elementwise in float32; a new tensor of the same shape. */
    public static Tensor normalize(Tensor images) {
        float[] px = images.toFloatArray();
        for (int i = 0; i < px.length; i++) {
            px[i] = 2f * px[i] - 1f;
        }
        return Tensor.ofFloats(images.shape(), px);
    }

    /** {@code postprocess(output_type="np")}: (x / 2 + 0.5).clamp(0, 1), NCHW → NHWC. */
    public static Tensor postprocess(Tensor decoded) {
        Shape s = decoded.shape();
        if (s.rank() != 4) {
            throw new IllegalArgumentException("decoded images must be [B, C, H, W], got " + decoded.spec());
        }
        int b = s.dim(0), c = s.dim(1), h = s.dim(2), w = s.dim(3);
        float[] in = decoded.toFloatArray();
        float[] out = new float[in.length];
        for (int bi = 0; bi < b; bi++) {
            for (int ci = 0; ci < c; ci++) {
                for (int y = 0; y < h; y++) {
                    for (int xi = 0; xi < w; xi++) {
                        float v = in[((bi * c + ci) * h + y) * w + xi] / 2f + 0.5f;
                        out[((bi * h + y) * w + xi) * c + ci] = Math.min(1f, Math.max(0f, v));
                    }
                }
            }
        }
        return Tensor.ofFloats(Shape.of(b, h, w, c), out);
    }
}
