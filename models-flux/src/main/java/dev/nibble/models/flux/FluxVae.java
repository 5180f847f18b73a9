package dev.nibble.models.flux;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.tensor.Tensor;

/**
 * What the FLUX pipeline needs from its AutoencoderKL: decode raw latents, encode images (image-to-image)
 * and the latent normalisation constants from its config.
 */
public interface FluxVae extends AutoCloseable {
    /** The diagonal Gaussian {@code encode(x).latent_dist}: mean and std [B, C, h, w]. */
    record LatentDist(Tensor mean, Tensor std) {}

    /** {@code vae.decode(z)[0]}: z [B, C, h, w] raw latents → images [B, 3, H, W] in about [-1, 1]. */
    Tensor decode(Executor executor, Tensor z);

    /** {@code vae.encode(x).latent_dist} for images x [B, 3, H, W] in [-1, 1]. */
    LatentDist encode(Executor executor, Tensor x);

    /** Frees the device memory the VAE holds for {@code executor}; the next call sets it up again. */
    void release(Executor executor);

    /** {@code scaling_factor} of the VAE config. */
    double scalingFactor();

    /** {@code shift_factor} of the VAE config (0 when null). */
    double shiftFactor();

    /** diffusers 0.31 FluxPipeline's {@code vae_scale_factor = 2 ** len(block_out_channels)}. */
    int vaeScaleFactor();

    @Override
    default void close() {
    }
}
