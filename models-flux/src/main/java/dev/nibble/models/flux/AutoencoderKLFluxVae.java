package dev.nibble.models.flux;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.vae.AutoencoderKL;

/** {@link FluxVae} over models-common's AutoencoderKL. */
public final class AutoencoderKLFluxVae implements FluxVae {
    private final AutoencoderKL vae;

    public AutoencoderKLFluxVae(AutoencoderKL vae) {
        this.vae = vae;
    }

    @Override
    public Tensor decode(Executor executor, Tensor z) {
        return vae.decode(z, executor);
    }

    @Override
    public LatentDist encode(Executor executor, Tensor x) {
        AutoencoderKL.LatentDist d = vae.encode(x, executor);
        return new LatentDist(d.mean(), d.std());
    }

    @Override
    public double scalingFactor() {
        return vae.config().scalingFactor();
    }

    @Override
    public double shiftFactor() {
        Float s = vae.config().shiftFactor();
        return s == null ? 0 : s;
    }

    /** 0.31 FluxPipeline: 2 ** len(block_out_channels) (16 for FLUX.1; the packing's 2× is folded in). */
    @Override
    public int vaeScaleFactor() {
        return 1 << vae.config().blockOutChannels().length;
    }

    @Override
    public void release(Executor executor) {
        vae.release(executor);
    }

    @Override
    public void close() {
        vae.close();
    }
}
