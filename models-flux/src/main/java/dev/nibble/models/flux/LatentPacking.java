package dev.nibble.models.flux;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;

/**
 * FluxPipeline's latent layout helpers. The transformer sees latents as tokens: each 2×2 patch of the
 * [B, C, H, W] latents becomes one token of 4C channels flattened channel-major (c, dy, dx), tokens in
 * row-major patch order ({@code _pack_latents}); {@code _unpack_latents} inverts it. Pure data
 * movement, done on the host.
 */
public final class LatentPacking {
    private LatentPacking() {
    }

    /**
     * The latent height or width diffusers 0.31's FluxPipeline uses for an image size:
     * {@code 2 * (size // vae_scale_factor)} with {@code vae_scale_factor = 2 ** len(block_out_channels)}.
     */
    public static int latentSize(int imageSize, int vaeScaleFactor) {
        return 2 * (imageSize / vaeScaleFactor);
    }

    /** [B, C, H, W] → [B, (H/2)·(W/2), 4C]. */
    public static Tensor pack(Tensor latents) {
        Shape s = latents.shape();
        if (s.rank() != 4 || s.dim(2) % 2 != 0 || s.dim(3) % 2 != 0) {
            throw new IllegalArgumentException("pack needs latents [B, C, H, W] with even H and W, got " + latents.spec());
        }
        int b = s.dim(0), c = s.dim(1), h = s.dim(2), w = s.dim(3);
        float[] in = latents.toFloatArray();
        float[] out = new float[in.length];
        int rows = h / 2, cols = w / 2;
        int o = 0;
        for (int bi = 0; bi < b; bi++) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    for (int ci = 0; ci < c; ci++) {
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                out[o++] = in[((bi * c + ci) * h + 2 * i + dy) * w + 2 * j + dx];
                            }
                        }
                    }
                }
            }
        }
        return Tensor.ofFloats(Shape.of(b, rows * cols, 4 * c), out);
    }

    /** [B, (H/2)·(W/2), 4C] → [B, C, H, W] for latents of {@code height} × {@code width}. */
    public static Tensor unpack(Tensor packed, int height, int width) {
        Shape s = packed.shape();
        if (s.rank() != 3 || height % 2 != 0 || width % 2 != 0 || s.dim(1) != (height / 2) * (width / 2)
                || s.dim(2) % 4 != 0) {
            throw new IllegalArgumentException("unpack: " + packed.spec() + " is not a packed " + height + "x" + width
                    + " latent (expected [B, " + (height / 2) * (width / 2) + ", 4C])");
        }
        int b = s.dim(0), c = s.dim(2) / 4, h = height, w = width;
        float[] in = packed.toFloatArray();
        float[] out = new float[in.length];
        int rows = h / 2, cols = w / 2;
        int o = 0;
        for (int bi = 0; bi < b; bi++) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    for (int ci = 0; ci < c; ci++) {
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                out[((bi * c + ci) * h + 2 * i + dy) * w + 2 * j + dx] = in[o++];
                            }
                        }
                    }
                }
            }
        }
        return Tensor.ofFloats(Shape.of(b, c, h, w), out);
    }

    /**
     * {@code _prepare_latent_image_ids} for latents of {@code height} × {@code width}: one row per packed
     * token, (0, patch row, patch column), as float32 [(H/2)·(W/2), 3].
     */
    public static Tensor latentImageIds(int height, int width) {
        int rows = height / 2, cols = width / 2;
        Tensor ids = Tensor.zeros(DType.F32, Shape.of(rows * cols, 3));
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                long r = (long) (i * cols + j) * 3;
                ids.setFloat(r + 1, i);
                ids.setFloat(r + 2, j);
            }
        }
        return ids;
    }

    /** FluxPipeline's {@code text_ids}: zeros [L, 3]. */
    public static Tensor textIds(int length) {
        return Tensor.zeros(DType.F32, Shape.of(length, 3));
    }
}
