package dev.nibble.models.sdxl;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.MemoryPlan;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.ModelIndex;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.pipeline.DenoiserMemory;
import dev.nibble.models.common.pipeline.OneShotStages;
import dev.nibble.models.common.pipeline.PipelineTimings;
import dev.nibble.models.common.scheduler.DiffusionNoise;
import dev.nibble.models.common.scheduler.EulerDiscreteConfig;
import dev.nibble.models.common.scheduler.EulerDiscreteScheduler;
import dev.nibble.models.common.scheduler.Img2ImgStart;
import dev.nibble.models.common.vae.VaeImageProcessor;

import java.nio.file.Path;
import java.util.Objects;

/**
 * diffusers 0.31 StableDiffusionXLPipeline (text-to-image) and StableDiffusionXLImg2ImgPipeline: encode the
 * prompts through both CLIP encoders, build the micro-conditioning time ids, prepare latents (noise times
 * init_noise_sigma, or VAE-encoded image noised at the strength's first step), run the EulerDiscrete loop
 * with classifier-free guidance as one batched U-Net call per step ([uncond, cond]), decode and
 * postprocess to [0, 1].
 *
 * <p>The stages are public so the loop can run from embeddings and latents produced elsewhere (golden
 * traces, other encoders). Not supported: num_images_per_prompt > 1 (pass repeated prompts), guidance_rescale,
 * denoising_start/end, negative micro-conditioning sizes, the refiner's aesthetic score, IP adapters.
 */
public final class StableDiffusionXLPipeline implements AutoCloseable {
    /** Seed offset of the noise that samples the VAE's latent distribution (image-to-image). */
    private static final long VAE_SAMPLE_SEED_OFFSET = 0x5DEECE66DL;

    private final SdxlTextEncoders textEncoders;
    private final UNet2DConditionModel unet;
    private final SdxlVae vae;
    private final EulerDiscreteConfig schedulerConfig;
    private final boolean forceZerosForEmptyPrompt;

    public StableDiffusionXLPipeline(SdxlTextEncoders textEncoders, UNet2DConditionModel unet, SdxlVae vae,
                                     EulerDiscreteConfig schedulerConfig, boolean forceZerosForEmptyPrompt) {
        this.textEncoders = textEncoders;
        this.unet = Objects.requireNonNull(unet, "unet");
        this.vae = vae;
        this.schedulerConfig = Objects.requireNonNull(schedulerConfig, "schedulerConfig");
        this.forceZerosForEmptyPrompt = forceZerosForEmptyPrompt;
        if (textEncoders != null && textEncoders.embedDim() != unet.config().crossAttentionDim()) {
            throw new ConfigException("the text encoders' hidden sizes sum to " + textEncoders.embedDim()
                    + " but the UNet's cross_attention_dim is " + unet.config().crossAttentionDim());
        }
    }

    /** Loads a pipeline folder (model_index.json and its component folders). */
    public static StableDiffusionXLPipeline load(Path dir) {
        ModelIndex index = ModelIndex.read(dir);
        String cls = index.className();
        if (!cls.startsWith("StableDiffusionXL")) {
            throw new ConfigException(index.path() + ": _class_name is '" + cls + "', not an SDXL pipeline");
        }
        boolean forceZeros = index.config().getBoolean("force_zeros_for_empty_prompt", true);
        EulerDiscreteConfig sched = EulerDiscreteConfig.load(index.componentDir("scheduler"));
        SdxlTextEncoders text = null;
        UNet2DConditionModel unet = null;
        SdxlVae vae = null;
        try {
            text = SdxlTextEncoders.load(index);
            unet = UNet2DConditionModel.load(index.componentDir("unet"));
            vae = SdxlVae.load(index.componentDir("vae"));
            return new StableDiffusionXLPipeline(text, unet, vae, sched, forceZeros);
        } catch (RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {text, unet, vae}) {
                closeQuietly(c, e);
            }
            throw e;
        }
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public SdxlTextEncoders textEncoders() {
        return textEncoders;
    }

    public SdxlVae vae() {
        return vae;
    }

    public EulerDiscreteConfig schedulerConfig() {
        return schedulerConfig;
    }

    public boolean forceZerosForEmptyPrompt() {
        return forceZerosForEmptyPrompt;
    }

    /** The default image side: unet sample_size · vae_scale_factor (1024 for SDXL). */
    public int defaultSize() {
        int s = unet.config().sampleSize();
        return (s > 0 ? s : 128) * vae.vaeScaleFactor();
    }

    /** Runs the whole pipeline; {@code listener} (may be null) sees every step. */
    public SdxlResult generate(Executor ex, SdxlRequest r, StepListener listener) {
        if (textEncoders == null || vae == null) {
            throw new IllegalStateException("this pipeline has no text encoders or VAE; use denoise() directly");
        }
        long t0 = System.nanoTime();
        int height = r.height() > 0 ? r.height() : defaultSize();
        int width = r.width() > 0 ? r.width() : defaultSize();
        if (r.isImageToImage()) {
            Shape s = r.image().shape();
            if (s.rank() != 4 || s.dim(0) != r.batch() || s.dim(1) != 3) {
                throw new IllegalArgumentException("image-to-image input must be [" + r.batch() + ", 3, H, W] in [0, 1], "
                        + "got " + r.image().spec());
            }
            // the img2img pipeline takes its size from the image
            if ((r.height() > 0 && r.height() != s.dim(2)) || (r.width() > 0 && r.width() != s.dim(3))) {
                throw new IllegalArgumentException("requested size " + r.height() + "x" + r.width()
                        + " differs from the input image's " + s.dim(2) + "x" + s.dim(3) + " (resize it first)");
            }
            height = s.dim(2);
            width = s.dim(3);
        }
        if (height % 8 != 0 || width % 8 != 0) {
            throw new IllegalArgumentException("height and width have to be divisible by 8 but are " + height + " and "
                    + width);
        }
        int vsf = vae.vaeScaleFactor();
        int b = r.batch();
        Shape latentShape = Shape.of(b, unet.config().inChannels(), height / vsf, width / vsf);
        boolean cfg = doClassifierFreeGuidance(r.guidanceScale());

        long s = System.nanoTime();
        PromptEmbeddings emb = textEncoders.encode(ex, r.prompts(), r.prompts2(), r.negativePrompts(),
                r.negativePrompts2(), cfg, forceZerosForEmptyPrompt);
        OneShotStages.releaseIfBudgeted(ex, textEncoders::release);
        long textNanos = System.nanoTime() - s;

        EulerDiscreteScheduler scheduler = new EulerDiscreteScheduler(schedulerConfig);
        scheduler.setTimesteps(r.numInferenceSteps());
        float[] noise = initialNoise(r, latentShape);
        int start = 0;
        long vaeEncodeNanos = 0;
        float[] latents;
        if (r.isImageToImage()) {
            Img2ImgStart st = scheduler.img2imgStart(r.strength());
            start = st.startIndex();
            s = System.nanoTime();
            Tensor imageLatents = encodeImage(ex, r.image(), r.seed());
            OneShotStages.releaseIfBudgeted(ex, vae::release);
            vaeEncodeNanos = System.nanoTime() - s;
            if (!imageLatents.shape().equals(latentShape)) {
                throw new IllegalStateException("VAE latents " + imageLatents.spec() + " do not match " + latentShape);
            }
            latents = scheduler.addNoise(imageLatents.toFloatArray(), noise, start);
        } else {
            latents = HostTensors.scale(noise, scheduler.initNoiseSigma());
        }

        SdxlRequest.Size original = r.originalSize() != null ? r.originalSize() : new SdxlRequest.Size(height, width);
        SdxlRequest.Size target = r.targetSize() != null ? r.targetSize() : new SdxlRequest.Size(height, width);
        float[] timeIds = addTimeIds(original, r.cropsCoordsTopLeft(), target);

        long[] stepNanos = new long[scheduler.numInferenceSteps() - start];
        int[] k = {0};
        StepListener steps = listener == null ? StepListener.NONE : listener;
        Tensor out = denoise(ex, emb, HostTensors.floats(latentShape, latents), scheduler, start, r.guidanceScale(),
                timeIds, st -> {
                    stepNanos[k[0]++] = st.nanos();
                    steps.onStep(st);
                });

        s = System.nanoTime();
        Tensor decoded = vae.decode(ex, out);
        OneShotStages.releaseIfBudgeted(ex, vae::release);
        Tensor image = VaeImageProcessor.postprocess(decoded);
        long decodeNanos = System.nanoTime() - s;

        int unetBatch = cfg ? 2 * b : b;
        MemoryPlan plan = unet.compiled(ex, new UNet2DConditionModel.ShapeKey(unetBatch, latentShape.dim(2),
                latentShape.dim(3), emb.textLength(), emb.pooledPromptEmbeds().shape().dim(1),
                unet.config().textTimeEmbedding() ? timeIds.length : 0)).memoryPlan();
        DenoiserMemory mem = DenoiserMemory.of(plan, ex, unet.weightBytes());
        PipelineTimings times = new PipelineTimings(textNanos, vaeEncodeNanos, stepNanos, decodeNanos,
                System.nanoTime() - t0);
        return new SdxlResult(image, decoded, out, emb, times, mem);
    }

    /** do_classifier_free_guidance: guidance_scale > 1 (the UNet has no time_cond_proj_dim). */
    public static boolean doClassifierFreeGuidance(float guidanceScale) {
        return guidanceScale > 1f;
    }

    /**
     * _get_add_time_ids: original_size + crops_coords_top_left + target_size, after checking that
     * addition_time_embed_dim · 6 + the pooled width equals add_embedding's input width.
     */
    public float[] addTimeIds(SdxlRequest.Size original, SdxlRequest.Crop crop, SdxlRequest.Size target) {
        float[] ids = {original.height(), original.width(), crop.top(), crop.left(), target.height(), target.width()};
        UNet2DConditionConfig c = unet.config();
        if (c.textTimeEmbedding() && textEncoders != null) {
            int passed = c.additionTimeEmbedDim() * ids.length + textEncoders.pooledDim();
            if (passed != c.projectionClassEmbeddingsInputDim()) {
                throw new ConfigException("Model expects an added time embedding vector of length "
                        + c.projectionClassEmbeddingsInputDim() + ", but a vector of " + passed + " was created. The "
                        + "model has an incorrect config: addition_time_embed_dim " + c.additionTimeEmbedDim()
                        + " · 6 + text_encoder_2 projection_dim " + textEncoders.pooledDim());
            }
        }
        return ids;
    }

    /**
     * The denoising loop from step {@code startIndex} to the end of {@code scheduler}'s schedule.
     *
     * @param latents  [B, C, h, w] at sigma[startIndex] (already multiplied by init_noise_sigma / noised)
     * @param timeIds  the six add_time_ids (used for every batch entry, positive and negative)
     * @return the latents after the last step
     */
    public Tensor denoise(Executor ex, PromptEmbeddings emb, Tensor latents, EulerDiscreteScheduler scheduler,
                          int startIndex, float guidanceScale, float[] timeIds, StepListener listener) {
        int b = latents.shape().dim(0);
        if (emb.batch() != b) {
            throw new IllegalArgumentException("prompt embeddings for " + emb.batch() + " prompts but latents for " + b);
        }
        boolean cfg = doClassifierFreeGuidance(guidanceScale);
        if (cfg && !emb.hasNegative()) {
            throw new IllegalArgumentException("guidance_scale " + guidanceScale + " > 1 needs negative embeddings");
        }
        Tensor context = cfg ? HostTensors.concatBatch(emb.negativePromptEmbeds(), emb.promptEmbeds()) : emb.promptEmbeds();
        Tensor textEmbeds = null;
        Tensor timeIdsTensor = null;
        int unetBatch = cfg ? 2 * b : b;
        if (unet.config().textTimeEmbedding()) {
            textEmbeds = cfg ? HostTensors.concatBatch(emb.negativePooledPromptEmbeds(), emb.pooledPromptEmbeds())
                    : emb.pooledPromptEmbeds();
            float[] rows = new float[unetBatch * timeIds.length];
            for (int i = 0; i < unetBatch; i++) {
                System.arraycopy(timeIds, 0, rows, i * timeIds.length, timeIds.length);
            }
            timeIdsTensor = HostTensors.floats(Shape.of(unetBatch, timeIds.length), rows);
        }
        Shape modelShape = latents.shape().withDim(0, unetBatch);
        int n = scheduler.numInferenceSteps();
        float[] x = latents.toFloatArray();
        for (int i = startIndex; i < n; i++) {
            long s = System.nanoTime();
            float t = scheduler.timestep(i);
            Tensor input = HostTensors.floats(modelShape, scheduler.scaleModelInput(cfg ? HostTensors.twice(x) : x, i));
            Tensor pred = unet.forward(ex, input, Tensor.ofFloats(Shape.of(1), t), context, textEmbeds, timeIdsTensor);
            float[] noisePred = cfg ? HostTensors.classifierFreeGuidance(pred.toFloatArray(), guidanceScale)
                    : pred.toFloatArray();
            x = scheduler.step(noisePred, i, x);
            if (listener != null) {
                listener.onStep(new StepListener.Step(i - startIndex, n - startIndex, t, input, pred,
                        HostTensors.floats(latents.shape(), x), System.nanoTime() - s));
            }
        }
        return HostTensors.floats(latents.shape(), x);
    }

    /** The request's noise, or seeded standard-normal noise. */
    private static float[] initialNoise(SdxlRequest r, Shape latentShape) {
        Tensor l = r.latents();
        if (l == null) {
            return DiffusionNoise.normal(r.seed(), Math.toIntExact(latentShape.numel()));
        }
        if (!l.shape().equals(latentShape)) {
            throw new IllegalArgumentException("latents must be " + latentShape + " for a " + r.batch() + "-prompt "
                    + "request of this size, got " + l.spec());
        }
        return l.toFloatArray();
    }

    /** image [B, 3, H, W] in [0, 1] → 2x − 1 → sampled, scaled VAE latents. */
    private Tensor encodeImage(Executor ex, Tensor image, long seed) {
        Shape s = image.shape();
        int n = s.dim(0) * vae.latentChannels() * (s.dim(2) / vae.vaeScaleFactor()) * (s.dim(3) / vae.vaeScaleFactor());
        float[] noise = DiffusionNoise.normal(seed ^ VAE_SAMPLE_SEED_OFFSET, n);
        return vae.encode(ex, VaeImageProcessor.normalize(image), noise);
    }

    private static void closeQuietly(AutoCloseable c, RuntimeException primary) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            primary.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        if (textEncoders != null) {
            textEncoders.close();
        }
        unet.close();
        if (vae != null) {
            vae.close();
        }
    }
}
