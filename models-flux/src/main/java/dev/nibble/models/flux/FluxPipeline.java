package dev.nibble.models.flux;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.MemoryPlan;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.scheduler.DiffusionNoise;
import dev.nibble.models.common.scheduler.FlowMatchConfig;
import dev.nibble.models.common.scheduler.FlowMatchEulerDiscreteScheduler;
import dev.nibble.models.common.scheduler.Img2ImgStart;

import dev.nibble.engine.io.ModelIndex;
import dev.nibble.models.common.clip.ClipTextModel;
import dev.nibble.models.common.pipeline.DenoiserMemory;
import dev.nibble.models.common.pipeline.OneShotStages;
import dev.nibble.models.common.pipeline.PipelineTimings;
import dev.nibble.models.common.t5.T5EncoderModel;
import dev.nibble.models.common.tokenizer.ClipTokenizer;
import dev.nibble.models.common.tokenizer.T5Tokenizer;
import dev.nibble.models.common.vae.AutoencoderKL;
import dev.nibble.models.common.vae.VaeImageProcessor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * diffusers 0.31 FluxPipeline (text-to-image) and FluxImg2ImgPipeline: encode the prompt, prepare packed
 * latents and their position ids, build the flow-matching schedule with mu from the image token count,
 * run the transformer once per step (no classifier-free guidance; FLUX.1-dev feeds the guidance scale to
 * its guidance embedding), unpack, undo the latent normalisation and decode.
 *
 * <p>The stages are separate public methods so that the denoising loop can run from embeddings and
 * latents produced elsewhere (golden traces, other encoders).
 */
public final class FluxPipeline implements AutoCloseable {
    /** Seed offset of the noise for sampling the VAE's latent distribution (image-to-image). */
    private static final long VAE_SAMPLE_SEED_OFFSET = 0x5DEECE66DL;

    private final FluxTextEncoder textEncoder;
    private final FluxTransformer2DModel transformer;
    private final FlowMatchConfig schedulerConfig;
    private final FluxVae vae;

    public FluxPipeline(FluxTextEncoder textEncoder, FluxTransformer2DModel transformer,
                        FlowMatchConfig schedulerConfig, FluxVae vae) {
        this.textEncoder = textEncoder;
        this.transformer = Objects.requireNonNull(transformer, "transformer");
        this.schedulerConfig = Objects.requireNonNull(schedulerConfig, "schedulerConfig");
        this.vae = vae;
    }

    /**
     * Loads a diffusers FluxPipeline folder: model_index.json with tokenizer, text_encoder (CLIP),
     * tokenizer_2 and text_encoder_2 (T5), transformer, vae and scheduler sub-folders.
     */
    public static FluxPipeline load(Path dir) {
        ModelIndex index = ModelIndex.read(dir);
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            ClipTextModel clip = add(opened, ClipTextModel.load(index.componentDir("text_encoder")));
            T5EncoderModel t5 = add(opened, T5EncoderModel.load(index.componentDir("text_encoder_2")));
            FluxTextEncoder text = new ClipT5TextEncoder(ClipTokenizer.load(index.componentDir("tokenizer")), clip,
                    T5Tokenizer.load(index.componentDir("tokenizer_2")), t5);
            FluxTransformer2DModel transformer = add(opened,
                    FluxTransformer2DModel.load(index.componentDir("transformer")));
            FluxVae vae = new AutoencoderKLFluxVae(add(opened, AutoencoderKL.load(index.componentDir("vae"))));
            FlowMatchConfig scheduler = FlowMatchConfig.load(index.componentDir("scheduler"));
            return new FluxPipeline(text, transformer, scheduler, vae);
        } catch (RuntimeException e) {
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static <T extends AutoCloseable> T add(List<AutoCloseable> opened, T c) {
        opened.add(c);
        return c;
    }

    public FluxTextEncoder textEncoder() {
        return textEncoder;
    }

    public FluxVae vae() {
        return vae;
    }

    public FluxTransformer2DModel transformer() {
        return transformer;
    }

    public FlowMatchConfig schedulerConfig() {
        return schedulerConfig;
    }

    /** Runs the whole pipeline. */
    public FluxResult generate(Executor ex, FluxRequest r, StepListener listener) {
        if (textEncoder == null || vae == null) {
            throw new IllegalStateException("this pipeline has no text encoder or VAE; use denoise() directly");
        }
        if (r.height() % 8 != 0 || r.width() % 8 != 0) {
            // FluxPipeline.check_inputs (0.31)
            throw new IllegalArgumentException("height and width have to be divisible by 8 but are " + r.height()
                    + " and " + r.width());
        }
        StepListener steps = listener == null ? StepListener.NONE : listener;
        long t0 = System.nanoTime();
        int vsf = vae.vaeScaleFactor();
        int lh = LatentPacking.latentSize(r.height(), vsf);
        int lw = LatentPacking.latentSize(r.width(), vsf);
        if (lh == 0 || lw == 0) {
            throw new IllegalArgumentException("image " + r.height() + "x" + r.width() + " is smaller than one latent "
                    + "patch (" + vsf + " pixels)");
        }
        int b = r.batch();
        int c = transformer.config().latentChannels();

        long s = System.nanoTime();
        PromptEmbeddings emb = textEncoder.encode(ex, r.prompts(), r.maxSequenceLength());
        OneShotStages.releaseIfBudgeted(ex, textEncoder::release);
        long textNanos = System.nanoTime() - s;

        int imageSeqLen = (lh / 2) * (lw / 2);
        FlowMatchEulerDiscreteScheduler scheduler = scheduler(r.numInferenceSteps(), imageSeqLen);
        int start = 0;
        long vaeEncodeNanos = 0;
        Tensor latents = initialLatents(r, b, c, lh, lw);
        if (r.isImageToImage()) {
            Img2ImgStart st = scheduler.img2imgStart(r.strength());
            start = st.startIndex();
            s = System.nanoTime();
            Tensor imageLatents = encodeImage(ex, r, b, c, lh, lw);
            OneShotStages.releaseIfBudgeted(ex, vae::release);
            vaeEncodeNanos = System.nanoTime() - s;
            // scale_noise at the first timestep that will run: sigma·noise + (1 − sigma)·image latents
            latents = LatentPacking.pack(floats(imageLatents.shape(),
                    scheduler.scaleNoise(imageLatents.toFloatArray(), start, unpacked(latents, lh, lw).toFloatArray())));
        }

        Float guidance = transformer.config().guidanceEmbeds() ? r.guidanceScale() : null;
        long[] stepNanos = new long[scheduler.numInferenceSteps() - start];
        int[] k = {0};
        Tensor out = denoise(ex, emb, latents, lh, lw, scheduler, start, guidance, st -> {
            stepNanos[k[0]++] = st.nanos();
            steps.onStep(st);
        });

        s = System.nanoTime();
        Tensor decoded = vae.decode(ex, vaeInput(out, lh, lw, vae.scalingFactor(), vae.shiftFactor()));
        OneShotStages.releaseIfBudgeted(ex, vae::release);
        long decodeNanos = System.nanoTime() - s;
        Tensor image = VaeImageProcessor.postprocess(decoded);

        MemoryPlan plan = transformer.compiled(ex, b, imageSeqLen, emb.textSeqLen()).memoryPlan();
        DenoiserMemory mem = DenoiserMemory.of(plan, ex, transformer.weightBytes());
        PipelineTimings times = new PipelineTimings(textNanos, vaeEncodeNanos, stepNanos, decodeNanos,
                System.nanoTime() - t0);
        return new FluxResult(image, decoded, out, emb, times, mem);
    }

    /**
     * The schedule FluxPipeline sets: sigmas linspace(1, 1/n, n), shifted with
     * mu = calculate_shift(image_seq_len) when the scheduler uses dynamic shifting.
     */
    public FlowMatchEulerDiscreteScheduler scheduler(int numInferenceSteps, int imageSeqLen) {
        FlowMatchEulerDiscreteScheduler sch = new FlowMatchEulerDiscreteScheduler(schedulerConfig);
        sch.setFluxTimesteps(numInferenceSteps, imageSeqLen);
        return sch;
    }

    /**
     * The denoising loop from step {@code startIndex} of {@code scheduler}'s schedule to its end.
     *
     * @param latents  packed latents [B, (h/2)(w/2), 4C] at sigma[startIndex]
     * @param guidance the guidance scale for guidance-distilled models (dev), null otherwise (schnell)
     * @return the packed latents after the last step
     */
    public Tensor denoise(Executor ex, PromptEmbeddings emb, Tensor latents, int latentHeight, int latentWidth,
                          FlowMatchEulerDiscreteScheduler scheduler, int startIndex, Float guidance,
                          StepListener listener) {
        int b = latents.shape().dim(0);
        if (emb.batch() != b) {
            throw new IllegalArgumentException("prompt embeddings for " + emb.batch() + " prompts but latents for " + b);
        }
        Tensor imgIds = LatentPacking.latentImageIds(latentHeight, latentWidth);
        Tensor txtIds = LatentPacking.textIds(emb.textSeqLen());
        Tensor g = guidance == null ? null : filled(b, guidance);
        int n = scheduler.numInferenceSteps();
        float[] x = latents.toFloatArray();
        for (int i = startIndex; i < n; i++) {
            long s = System.nanoTime();
            float t = scheduler.timestep(i);
            // the pipeline passes t/1000 in float32; the model multiplies it back by 1000
            Tensor timestep = filled(b, t / 1000f);
            Tensor pred = transformer.forward(ex, floats(latents.shape(), x), emb.promptEmbeds(),
                    emb.pooledPromptEmbeds(), timestep, imgIds, txtIds, g);
            x = scheduler.step(pred.toFloatArray(), i, x);
            Tensor after = floats(latents.shape(), x);
            if (listener != null) {
                listener.onStep(new StepListener.Step(i - startIndex, n - startIndex, t, pred, after,
                        System.nanoTime() - s));
            }
        }
        return floats(latents.shape(), x);
    }

    /**
     * The VAE's input from final packed latents: unpack, then {@code latents / scaling_factor + shift_factor}
     * in float32 as the pipeline computes it.
     */
    public static Tensor vaeInput(Tensor packed, int latentHeight, int latentWidth, double scalingFactor,
                                  double shiftFactor) {
        Tensor z = LatentPacking.unpack(packed, latentHeight, latentWidth);
        float[] v = z.toFloatArray();
        float sf = (float) scalingFactor;
        float sh = (float) shiftFactor;
        for (int i = 0; i < v.length; i++) {
            v[i] = v[i] / sf + sh;
        }
        return floats(z.shape(), v);
    }

    /** The request's latents as packed [B, L, 4C], or seeded standard-normal noise packed. */
    private static Tensor initialLatents(FluxRequest r, int b, int c, int lh, int lw) {
        Shape packed = Shape.of(b, (lh / 2) * (lw / 2), 4 * c);
        Shape unpacked = Shape.of(b, c, lh, lw);
        Tensor l = r.latents();
        if (l == null) {
            return LatentPacking.pack(floats(unpacked, DiffusionNoise.normal(r.seed(), (int) unpacked.numel())));
        }
        if (l.shape().equals(packed)) {
            return l;
        }
        if (l.shape().equals(unpacked)) {
            return LatentPacking.pack(l);
        }
        throw new IllegalArgumentException("latents must be " + packed + " (packed) or " + unpacked + " for a "
                + r.height() + "x" + r.width() + " image, got " + l.spec());
    }

    /** image → VAE latent sample → (z − shift_factor)·scaling_factor, [B, C, h, w]. */
    private Tensor encodeImage(Executor ex, FluxRequest r, int b, int c, int lh, int lw) {
        Tensor img = r.image();
        Shape want = Shape.of(b, 3, r.height(), r.width());
        if (!img.shape().equals(want)) {
            throw new IllegalArgumentException("image-to-image input must be " + want + " in [0, 1] (resize it to the "
                    + "requested size first), got " + img.spec());
        }
        if (r.height() % vae.vaeScaleFactor() != 0 || r.width() % vae.vaeScaleFactor() != 0) {
            throw new IllegalArgumentException("image-to-image needs height and width divisible by "
                    + vae.vaeScaleFactor() + ", got " + r.height() + "x" + r.width());
        }
        FluxVae.LatentDist d = vae.encode(ex, VaeImageProcessor.normalize(img));
        Shape ls = Shape.of(b, c, lh, lw);
        if (!d.mean().shape().equals(ls)) {
            throw new IllegalStateException("VAE latents " + d.mean().spec() + " do not match the packed latent size " + ls);
        }
        float[] mean = d.mean().toFloatArray();
        float[] std = d.std().toFloatArray();
        float[] eps = DiffusionNoise.normal(r.seed() ^ VAE_SAMPLE_SEED_OFFSET, mean.length);
        float sf = (float) vae.scalingFactor();
        float sh = (float) vae.shiftFactor();
        float[] z = new float[mean.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = ((mean[i] + std[i] * eps[i]) - sh) * sf;
        }
        return floats(ls, z);
    }

    private static Tensor unpacked(Tensor packed, int lh, int lw) {
        return LatentPacking.unpack(packed, lh, lw);
    }

    private static Tensor filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return Tensor.ofFloats(Shape.of(n), a);
    }

    private static Tensor floats(Shape s, float[] v) {
        return Tensor.ofFloats(s, v);
    }

    @Override
    public void close() {
        if (textEncoder != null) {
            textEncoder.close();
        }
        transformer.close();
        if (vae != null) {
            vae.close();
        }
    }
}
