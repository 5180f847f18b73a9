package dev.nibble.bench.compare;

import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.scheduler.DiffusionNoise;
import dev.nibble.models.common.scheduler.FlowMatchEulerDiscreteScheduler;
import dev.nibble.models.flux.FluxPipeline;
import dev.nibble.models.flux.FluxRequest;
import dev.nibble.models.flux.FluxResult;
import dev.nibble.models.flux.LatentPacking;
import dev.nibble.models.flux.PromptEmbeddings;

import java.nio.file.Path;
import java.util.List;

/**
 * A FLUX.1 folder ({@link FluxPipeline}) for the model workloads: the step is the transformer's forward
 * pass and the flow-matching scheduler step, batch 1, from the prompt's T5/CLIP embeddings padded to the
 * settings' sequence length; the generation is {@link FluxPipeline#generate} with FLUX's default guidance.
 */
final class FluxBenchPipeline extends BenchPipeline<FluxPipeline> {
    private PromptEmbeddings embeddings;

    FluxBenchPipeline(Path dir, ModelWorkloads.Settings settings) {
        super(dir, settings, "transformer", FluxPipeline::load);
    }

    @Override
    String stepDetail() {
        return "transformer forward + scheduler step, batch 1, " + settings.size() + "x" + settings.size()
                + ", text length " + settings.maxSequenceLength();
    }

    @Override
    String generationDetail() {
        return "text encoders + " + settings.steps() + " steps + VAE decode, " + settings.size() + "x"
                + settings.size() + ", text length " + settings.maxSequenceLength();
    }

    /** Prompt embeddings, computed once on the CPU (the step measures the transformer, not the encoders). */
    private synchronized PromptEmbeddings embeddings() {
        if (embeddings == null) {
            embeddings = pipeline().textEncoder().encode(cpuExecutor(), List.of(ModelWorkloads.PROMPT),
                    settings.maxSequenceLength());
        }
        return embeddings;
    }

    private int latentSize() {
        return LatentPacking.latentSize(settings.size(), pipeline().vae().vaeScaleFactor());
    }

    private int imageSeqLen() {
        int l = latentSize();
        return (l / 2) * (l / 2);
    }

    private CompiledGraph transformer(Executor ex, int textLen) {
        return orUnsupported(() -> pipeline().transformer().compiled(ex, 1, imageSeqLen(), textLen));
    }

    @Override
    PreparedStep prepareStep(Executor ex) {
        FluxPipeline p = pipeline();
        PromptEmbeddings emb = embeddings();
        CompiledGraph cg = transformer(ex, emb.textSeqLen());
        int l = latentSize();
        int c = p.transformer().config().latentChannels();
        Tensor latents = LatentPacking.pack(Tensor.ofFloats(Shape.of(1, c, l, l),
                DiffusionNoise.normal(ModelWorkloads.SEED, c * l * l)));
        Float guidance = p.transformer().config().guidanceEmbeds() ? FluxRequest.DEFAULT_GUIDANCE : null;
        // a one-step schedule; the scheduler keeps no state between steps, so one serves every repetition
        FlowMatchEulerDiscreteScheduler sch = p.scheduler(1, imageSeqLen());
        return new PreparedStep(cg, p.transformer().weightBytes(),
                () -> p.denoise(ex, emb, latents, l, l, sch, 0, guidance, null));
    }

    @Override
    CompiledGraph generationGraph(Executor ex) {
        return transformer(ex, settings.maxSequenceLength());
    }

    @Override
    Generated generate(Executor ex) {
        FluxRequest req = FluxRequest.of(ModelWorkloads.PROMPT).withSize(settings.size(), settings.size())
                .withSteps(settings.steps()).withSeed(ModelWorkloads.SEED)
                .withMaxSequenceLength(settings.maxSequenceLength());
        FluxResult r = orUnsupported(() -> pipeline().generate(ex, req, null));
        return new Generated(r.timings(), r.memory().arenaBytes());
    }

    @Override
    long denoiserWeightBytes() {
        return pipeline().transformer().weightBytes();
    }

    @Override
    public synchronized void close() {
        super.close();
        embeddings = null;
    }
}
