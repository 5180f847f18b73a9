package dev.nibble.bench.compare;

import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.scheduler.DiffusionNoise;
import dev.nibble.models.common.scheduler.EulerDiscreteScheduler;
import dev.nibble.models.sdxl.PromptEmbeddings;
import dev.nibble.models.sdxl.SdxlRequest;
import dev.nibble.models.sdxl.SdxlResult;
import dev.nibble.models.sdxl.StableDiffusionXLPipeline;
import dev.nibble.models.sdxl.UNet2DConditionModel;

import java.nio.file.Path;
import java.util.List;

/**
 * An SDXL folder ({@link StableDiffusionXLPipeline}) for the model workloads, at diffusers' default
 * classifier-free guidance ({@link SdxlRequest#DEFAULT_GUIDANCE}), so every U-Net call is batch 2
 * ([uncond, cond]) as in a real generation: the step is one U-Net forward pass with the guidance combine
 * and the EulerDiscrete scheduler step, from the prompt's CLIP embeddings and micro-conditioning time ids;
 * the generation is {@link StableDiffusionXLPipeline#generate}. The settings' sequence length does not
 * apply: SDXL's CLIP encoders pad to their tokenizers' model_max_length.
 */
final class SdxlBenchPipeline extends BenchPipeline<StableDiffusionXLPipeline> {
    private static final float GUIDANCE = SdxlRequest.DEFAULT_GUIDANCE;

    private PromptEmbeddings embeddings;

    SdxlBenchPipeline(Path dir, ModelWorkloads.Settings settings) {
        super(dir, settings, "unet", StableDiffusionXLPipeline::load);
    }

    private static boolean cfg() {
        return StableDiffusionXLPipeline.doClassifierFreeGuidance(GUIDANCE);
    }

    private static int unetBatch() {
        return cfg() ? 2 : 1;
    }

    @Override
    String stepDetail() {
        return "U-Net forward (batch " + unetBatch() + ": CFG " + GUIDANCE + ") + scheduler step, batch 1, "
                + settings.size() + "x" + settings.size();
    }

    @Override
    String generationDetail() {
        return "text encoders + " + settings.steps() + " steps (CFG " + GUIDANCE + ") + VAE decode, "
                + settings.size() + "x" + settings.size();
    }

    /** Prompt embeddings, computed once on the CPU (the step measures the U-Net, not the encoders). */
    private synchronized PromptEmbeddings embeddings() {
        if (embeddings == null) {
            StableDiffusionXLPipeline p = pipeline();
            embeddings = p.textEncoders().encode(cpuExecutor(), List.of(ModelWorkloads.PROMPT), null, null, null,
                    cfg(), p.forceZerosForEmptyPrompt());
        }
        return embeddings;
    }

    private int latentSize() {
        return settings.size() / pipeline().vae().vaeScaleFactor();
    }

    /** add_time_ids of a text-to-image request at the settings' size (no crop). */
    private float[] timeIds() {
        SdxlRequest.Size size = new SdxlRequest.Size(settings.size(), settings.size());
        return pipeline().addTimeIds(size, new SdxlRequest.Crop(0, 0), size);
    }

    /** The U-Net compiled on {@code ex} at the shape both the step and a generation call it with. */
    private CompiledGraph unet(Executor ex) {
        StableDiffusionXLPipeline p = pipeline();
        PromptEmbeddings emb = embeddings();
        UNet2DConditionModel unet = p.unet();
        int l = latentSize();
        UNet2DConditionModel.ShapeKey key = new UNet2DConditionModel.ShapeKey(unetBatch(), l, l, emb.textLength(),
                emb.pooledPromptEmbeds().shape().dim(1), unet.config().textTimeEmbedding() ? timeIds().length : 0);
        return orUnsupported(() -> unet.compiled(ex, key));
    }

    @Override
    PreparedStep prepareStep(Executor ex) {
        StableDiffusionXLPipeline p = pipeline();
        PromptEmbeddings emb = embeddings();
        CompiledGraph cg = unet(ex);
        // a one-step schedule; the scheduler keeps no state between steps, so one serves every repetition
        EulerDiscreteScheduler sch = new EulerDiscreteScheduler(p.schedulerConfig());
        sch.setTimesteps(1);
        int l = latentSize();
        int c = p.unet().config().inChannels();
        float[] noise = DiffusionNoise.normal(ModelWorkloads.SEED, c * l * l);
        float sigma = sch.initNoiseSigma();
        for (int i = 0; i < noise.length; i++) {
            noise[i] *= sigma;
        }
        Tensor latents = Tensor.ofFloats(Shape.of(1, c, l, l), noise);
        float[] timeIds = timeIds();
        return new PreparedStep(cg, p.unet().weightBytes(),
                () -> p.denoise(ex, emb, latents, sch, 0, GUIDANCE, timeIds, null));
    }

    @Override
    CompiledGraph generationGraph(Executor ex) {
        return unet(ex);
    }

    @Override
    Generated generate(Executor ex) {
        SdxlRequest req = SdxlRequest.builder(ModelWorkloads.PROMPT).size(settings.size(), settings.size())
                .steps(settings.steps()).guidance(GUIDANCE).seed(ModelWorkloads.SEED).build();
        SdxlResult r = orUnsupported(() -> pipeline().generate(ex, req, null));
        return new Generated(r.timings(), r.memory().arenaBytes());
    }

    @Override
    long denoiserWeightBytes() {
        return pipeline().unet().weightBytes();
    }

    @Override
    public synchronized void close() {
        super.close();
        embeddings = null;
    }
}
