package dev.nibble.models.common.vae;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.RunResult;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Clamp;
import dev.nibble.engine.ops.ShapeException;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.ComponentFolder;
import dev.nibble.models.common.nn.GraphModel;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

import java.nio.file.Path;
import java.util.Map;

/**
 * diffusers' AutoencoderKL: {@code encoder.*}, {@code quant_conv} (if use_quant_conv),
 * {@code post_quant_conv} (if use_post_quant_conv), {@code decoder.*}. Encode gives the diagonal
 * Gaussian's mean, logvar (clamped to [-30, 20]) and std; decode maps raw latents to images.
 *
 * <p>One graph per (direction, batch, height, width), compiled once per executor. The scaling helpers
 * convert between raw latents and the scaled latents the denoiser sees.
 */
public final class AutoencoderKL extends GraphModel<AutoencoderKL.Key> {
    /** DiagonalGaussianDistribution's parameters; {@code mean} is the deterministic latent (mode). */
    public record LatentDist(Tensor mean, Tensor logvar, Tensor std) {
        /** mean + std · noise, what {@code latent_dist.sample(generator)} computes given its noise. */
        public Tensor sample(Tensor noise) {
            if (!noise.shape().equals(mean.shape())) {
                throw new IllegalArgumentException("noise " + noise.spec() + " does not match the latents " + mean.spec());
            }
            Tensor out = Tensor.zeros(DType.F32, mean.shape());
            for (long i = 0; i < mean.numel(); i++) {
                out.setFloat(i, mean.getFloat(i) + std.getFloat(i) * noise.getFloat(i));
            }
            return out;
        }
    }

    record Key(boolean encode, int batch, int height, int width) {}

    private final AutoencoderKLConfig config;
    private final Weights weights;

    private AutoencoderKL(AutoencoderKLConfig config, Weights weights, AutoCloseable resources) {
        super(resources);
        this.config = config;
        this.weights = weights;
        // Check every weight against the config now, on the smallest valid shapes.
        graphs.graph(new Key(true, 1, config.downscale(), config.downscale()));
        graphs.graph(new Key(false, 1, 1, 1));
    }

    /** Loads a component folder (config.json + diffusion_pytorch_model.safetensors or a sharded index). */
    public static AutoencoderKL load(Path componentDir) {
        return ComponentFolder.load(componentDir, "AutoencoderKL", n -> false,
                f -> new AutoencoderKL(AutoencoderKLConfig.from(f.config()), f.weights(), f));
    }

    /** A model over weights already in hand; nothing is closed with it. */
    public static AutoencoderKL of(AutoencoderKLConfig config, Weights weights) {
        return new AutoencoderKL(config, weights, () -> { });
    }

    public AutoencoderKLConfig config() {
        return config;
    }

    /** Graph of {@code encode}: input x F32 [B, in_channels, H, W]; outputs mean, logvar, std. */
    public Graph encodeGraph(int batch, int height, int width) {
        return graphs.graph(new Key(true, batch, height, width));
    }

    /** Graph of {@code decode}: input z F32 [B, latent_channels, h, w]; output sample. */
    public Graph decodeGraph(int batch, int height, int width) {
        return graphs.graph(new Key(false, batch, height, width));
    }

    /** {@code model.encode(x).latent_dist} for an image batch x [B, in_channels, H, W] in [-1, 1]. */
    public synchronized LatentDist encode(Tensor x, Executor executor) {
        checkInput("x", x, config.inChannels());
        RunResult r = graphs.compiled(executor, new Key(true, x.shape().dim(0), x.shape().dim(2), x.shape().dim(3)))
                .run(Map.of("x", x));
        return new LatentDist(r.output(0), r.output(1), r.output(2));
    }

    /** {@code model.decode(z).sample} for raw (unscaled) latents z [B, latent_channels, h, w]. */
    public synchronized Tensor decode(Tensor z, Executor executor) {
        checkInput("z", z, config.latentChannels());
        return graphs.compiled(executor, new Key(false, z.shape().dim(0), z.shape().dim(2), z.shape().dim(3)))
                .run(Map.of("z", z)).output(0);
    }

    /** Raw latents → the denoiser's latents: {@code (z − shift_factor) · scaling_factor}. */
    public Tensor scaleLatents(Tensor z) {
        float scale = config.scalingFactor();
        Float shift = config.shiftFactor();
        Tensor out = Tensor.zeros(DType.F32, z.shape());
        for (long i = 0; i < z.numel(); i++) {
            float v = z.getFloat(i);
            out.setFloat(i, (shift == null ? v : v - shift) * scale);
        }
        return out;
    }

    /** The denoiser's latents → raw latents for {@link #decode}: {@code latents / scaling_factor + shift_factor}. */
    public Tensor unscaleLatents(Tensor latents) {
        float scale = config.scalingFactor();
        Float shift = config.shiftFactor();
        Tensor out = Tensor.zeros(DType.F32, latents.shape());
        for (long i = 0; i < latents.numel(); i++) {
            // Division, not a reciprocal product, as the pipelines compute it.
            float v = latents.getFloat(i) / scale;
            out.setFloat(i, shift == null ? v : v + shift);
        }
        return out;
    }

    private static void checkInput(String name, Tensor t, int channels) {
        if (t.dtype() != DType.F32 || t.shape().rank() != 4 || t.shape().dim(1) != channels) {
            throw new ShapeException("AutoencoderKL: " + name + " must be F32 [B, " + channels + ", H, W], got " + t.spec());
        }
    }

    @Override
    protected Graph build(Key key) {
        GraphBuilder g = new GraphBuilder();
        if (key.encode) {
            Value x = g.input("x", DType.F32, key.batch, config.inChannels(), key.height, key.width);
            Value h;
            try (var s = g.scope("encoder")) {
                h = Encoder.forward(g, weights.under("encoder"), x, config);
            }
            if (config.useQuantConv()) {
                h = Layers.conv2d(g, weights, "quant_conv", h, 2 * config.latentChannels(), 1, 1, 0);
            }
            int lc = config.latentChannels();
            Value mean = g.slice(h, 1, 0, lc);
            Value logvar = g.op(new Clamp(-30f, 20f), "logvar", g.slice(h, 1, lc, 2 * lc));
            Value std = g.unary(UnaryFn.EXP, g.affine(logvar, 0.5f, 0f));
            return g.build(mean, logvar, std);
        }
        Value z = g.input("z", DType.F32, key.batch, config.latentChannels(), key.height, key.width);
        if (config.usePostQuantConv()) {
            z = Layers.conv2d(g, weights, "post_quant_conv", z, config.latentChannels(), 1, 1, 0);
        }
        try (var s = g.scope("decoder")) {
            return g.build(Decoder.forward(g, weights.under("decoder"), z, config));
        }
    }

    @Override
    public String toString() {
        return "AutoencoderKL" + config;
    }
}
