package dev.nibble.models.sdxl;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.vae.AutoencoderKL;

import java.nio.file.Path;

/**
 * The SDXL pipelines' use of their AutoencoderKL: latents ↔ VAE space with scaling_factor (and per-channel
 * latents_mean / latents_std when the config has them; shift_factor is not used by these pipelines), and
 * vae_scale_factor = 2^(len(block_out_channels) − 1).
 */
public final class SdxlVae implements AutoCloseable {
    private final AutoencoderKL vae;
    private final float scalingFactor;
    private final float[] latentsMean;
    private final float[] latentsStd;

    public SdxlVae(AutoencoderKL vae, float[] latentsMean, float[] latentsStd) {
        this.vae = vae;
        this.scalingFactor = vae.config().scalingFactor();
        if ((latentsMean == null) != (latentsStd == null)) {
            throw new IllegalArgumentException("latents_mean and latents_std must both be set or both be absent");
        }
        int c = vae.config().latentChannels();
        if (latentsMean != null && (latentsMean.length != c || latentsStd.length != c)) {
            throw new IllegalArgumentException("latents_mean/latents_std must have " + c + " entries");
        }
        this.latentsMean = latentsMean == null ? null : latentsMean.clone();
        this.latentsStd = latentsStd == null ? null : latentsStd.clone();
    }

    /** Loads the vae folder, reading latents_mean/latents_std from its config.json. */
    public static SdxlVae load(Path dir) {
        DiffusersConfig c = DiffusersConfig.read(dir.resolve("config.json"));
        float[] mean = floats(c, "latents_mean");
        float[] std = floats(c, "latents_std");
        AutoencoderKL vae = AutoencoderKL.load(dir);
        try {
            return new SdxlVae(vae, mean, std);
        } catch (IllegalArgumentException e) {
            vae.close();
            throw new ConfigException(c.path() + ": " + e.getMessage(), e);
        }
    }

    private static float[] floats(DiffusersConfig c, String key) {
        if (!c.has(key)) {
            return null;
        }
        double[] d = c.getDoubleArray(key);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    public AutoencoderKL model() {
        return vae;
    }

    public float scalingFactor() {
        return scalingFactor;
    }

    public int latentChannels() {
        return vae.config().latentChannels();
    }

    /** Pixels per latent along each axis. */
    public int vaeScaleFactor() {
        return vae.config().downscale();
    }

    /** What vae.decode receives: latents / scaling_factor (or latents · std / scaling_factor + mean). */
    public Tensor decodeInput(Tensor latents) {
        float[] v = latents.toFloatArray();
        int c = latents.shape().dim(1);
        int plane = Math.toIntExact(latents.numel() / latents.shape().dim(0) / c);
        for (int i = 0; i < v.length; i++) {
            if (latentsMean == null) {
                v[i] = v[i] / scalingFactor;
            } else {
                int ch = (i / plane) % c;
                v[i] = v[i] * latentsStd[ch] / scalingFactor + latentsMean[ch];
            }
        }
        return HostTensors.floats(latents.shape(), v);
    }

    /** vae.decode(decodeInput(latents)).sample: images [B, 3, H, W] in about [−1, 1]. */
    public Tensor decode(Executor ex, Tensor latents) {
        return vae.decode(decodeInput(latents), ex);
    }

    /**
     * Image latents for image-to-image: a sample of encode(x).latent_dist with the given standard-normal
     * noise, times scaling_factor (or (z − mean) · scaling_factor / std).
     *
     * @param x images [B, 3, H, W] in [−1, 1]
     */
    public Tensor encode(Executor ex, Tensor x, float[] noise) {
        AutoencoderKL.LatentDist d = vae.encode(x, ex);
        Tensor z = d.sample(HostTensors.floats(d.mean().shape(), noise));
        float[] v = z.toFloatArray();
        int c = z.shape().dim(1);
        int plane = Math.toIntExact(z.numel() / z.shape().dim(0) / c);
        for (int i = 0; i < v.length; i++) {
            if (latentsMean == null) {
                v[i] = scalingFactor * v[i];
            } else {
                int ch = (i / plane) % c;
                v[i] = (v[i] - latentsMean[ch]) * scalingFactor / latentsStd[ch];
            }
        }
        return HostTensors.floats(z.shape(), v);
    }

    /** Frees the VAE's device memory for {@code ex}; the next call sets it up again. */
    public void release(Executor ex) {
        vae.release(ex);
    }

    @Override
    public void close() {
        vae.close();
    }
}
