package dev.nibble.quantizer.calibration;

import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.ModelIndex;
import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.scheduler.DiffusionNoise;
import dev.nibble.models.common.scheduler.EulerDiscreteScheduler;
import dev.nibble.models.common.scheduler.FlowMatchEulerDiscreteScheduler;
import dev.nibble.models.flux.FluxPipeline;
import dev.nibble.models.flux.FluxRequest;
import dev.nibble.models.flux.FluxTransformer2DModel;
import dev.nibble.models.flux.LatentPacking;
import dev.nibble.models.flux.PromptEmbeddings;
import dev.nibble.models.sdxl.SdxlRequest;
import dev.nibble.models.sdxl.StableDiffusionXLPipeline;
import dev.nibble.models.sdxl.UNet2DConditionModel;
import dev.nibble.quantizer.QuantizeTarget;
import dev.nibble.quantizer.SvdqFormat;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Real calibration (DESIGN.md §3): runs the model's own 16/32-bit pipeline — FLUX (FluxPipeline) or SDXL
 * (StableDiffusionXLPipeline) — through the given executor on the calibration prompts, every denoising step,
 * with an {@link ActivationRecorder} on the denoiser's compiled graph watching the linear layers the
 * quantisation rule selects. Per layer it keeps the per-channel max|x| over everything seen and a reservoir
 * sample of input rows.
 *
 * <p>The pipeline stages run as {@code generate} runs them (text encoders, seeded noise latents, the
 * scheduler's schedule, the denoiser with the pipeline's guidance / CFG batch), minus the VAE decode, which
 * calibration does not need.
 */
public final class PipelineCalibrator {
    private PipelineCalibrator() {
    }

    /** What a calibration run recorded, and how long it took. */
    public record Result(RecordedCalibration calibration, ActivationRecorder recorder, List<String> unobserved,
                         long nanos) {
    }

    /**
     * @param progress one line per prompt batch, and a summary
     * @throws IllegalArgumentException for pipelines other than FLUX and SDXL, or bad sizes
     */
    public static Result run(Path modelDir, QuantizeTarget rule, Executor ex, CalibrationSettings s,
                             PrintStream progress) {
        ModelIndex index = ModelIndex.read(modelDir);
        String cls = index.className();
        long t0 = System.nanoTime();
        if (cls.startsWith("Flux")) {
            return finish(index, rule, "transformer", flux(index, rule, ex, s, progress), t0, progress);
        }
        if (cls.startsWith("StableDiffusionXL")) {
            return finish(index, rule, "unet", sdxl(index, rule, ex, s, progress), t0, progress);
        }
        throw new IllegalArgumentException(index.path() + ": calibration runs FLUX and SDXL pipelines, not '" + cls + "'");
    }

    private record Recorded(ActivationRecorder recorder, String description) {
    }

    private static Result finish(ModelIndex index, QuantizeTarget rule, String component, Recorded r, long t0,
                                 PrintStream progress) {
        List<String> expected = selectedLayers(index.componentDir(component), rule, component);
        List<String> unobserved = expected.stream().filter(p -> r.recorder.layer(p).isEmpty()).toList();
        long nanos = System.nanoTime() - t0;
        progress.printf(Locale.ROOT, "calibrate: recorded %d of %d layers in %.1f s (%s)%n",
                expected.size() - unobserved.size(), expected.size(), nanos / 1e9, r.description);
        if (!unobserved.isEmpty()) {
            progress.println("calibrate: warning: " + unobserved.size() + " selected layer(s) never ran, they get "
                    + "weight-only statistics: " + unobserved.stream().limit(5).toList());
        }
        return new Result(r.recorder.source(r.description), r.recorder, unobserved, nanos);
    }

    /** The module paths of the rank-2 {@code P.weight} tensors the rule quantises, sorted. */
    public static List<String> selectedLayers(Path componentDir, QuantizeTarget rule, String component) {
        TreeSet<String> out = new TreeSet<>();
        try (SafetensorsStore store = SafetensorsStore.open(componentDir)) {
            String suffix = "." + SvdqFormat.WEIGHT;
            for (String name : store.names()) {
                if (name.endsWith(suffix) && store.spec(name).shape().rank() == 2) {
                    String p = name.substring(0, name.length() - suffix.length());
                    if (rule.quantize(component, p)) {
                        out.add(p);
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static String describe(CalibrationSettings s, int width, int height, String extra) {
        return String.format(Locale.ROOT, "pipeline: %d prompt(s) from %s, %d steps each, %dx%d%s, seed %d, <=%d rows/layer",
                s.prompts().size(), s.promptSource(), s.steps(), width, height, extra, s.seed(), s.rowsPerLayer());
    }

    private static Recorded flux(ModelIndex index, QuantizeTarget rule, Executor ex, CalibrationSettings s,
                                 PrintStream progress) {
        try (FluxPipeline p = FluxPipeline.load(index.root())) {
            FluxTransformer2DModel t = p.transformer();
            int width = s.width() > 0 ? s.width() : FluxRequest.DEFAULT_SIZE;
            int height = s.height() > 0 ? s.height() : FluxRequest.DEFAULT_SIZE;
            int maxSeq = s.maxSequenceLength() > 0 ? s.maxSequenceLength() : fluxMaxSequenceLength(index);
            int vsf = p.vae().vaeScaleFactor();
            if (width % vsf != 0 || height % vsf != 0) {
                throw new IllegalArgumentException("calibration size " + width + "x" + height + " must be a multiple of "
                        + vsf + " for this FLUX model");
            }
            int lh = LatentPacking.latentSize(height, vsf);
            int lw = LatentPacking.latentSize(width, vsf);
            int imageSeqLen = (lh / 2) * (lw / 2);
            int c = t.config().latentChannels();
            Float guidance = t.config().guidanceEmbeds()
                    ? (s.guidance() != null ? s.guidance() : FluxRequest.DEFAULT_GUIDANCE) : null;
            ActivationRecorder rec = new ActivationRecorder("transformer", path -> rule.quantize("transformer", path),
                    s.rowsPerLayer(), s.seed());
            int n = s.prompts().size();
            for (int from = 0; from < n; from += s.batch()) {
                long t0 = System.nanoTime();
                List<String> chunk = s.prompts().subList(from, Math.min(n, from + s.batch()));
                int b = chunk.size();
                PromptEmbeddings emb = p.textEncoder().encode(ex, chunk, maxSeq);
                float[] noise = new float[b * c * lh * lw];
                for (int i = 0; i < b; i++) {
                    float[] z = DiffusionNoise.normal(s.seed() + from + i, c * lh * lw);
                    System.arraycopy(z, 0, noise, i * z.length, z.length);
                }
                Tensor latents = LatentPacking.pack(Tensor.ofFloats(Shape.of(b, c, lh, lw), noise));
                FlowMatchEulerDiscreteScheduler sch = p.scheduler(s.steps(), imageSeqLen);
                CompiledGraph cg = t.compiled(ex, b, imageSeqLen, emb.textSeqLen());
                cg.observe(rec);
                try {
                    p.denoise(ex, emb, latents, lh, lw, sch, 0, guidance, null);
                } finally {
                    cg.observe(null);
                }
                progress.printf(Locale.ROOT, "calibrate [%d/%d] %d prompt(s) x %d steps in %.1f s%n",
                        Math.min(n, from + b), n, b, s.steps(), (System.nanoTime() - t0) / 1e9);
            }
            String extra = ", T5 length " + maxSeq + (guidance != null ? ", guidance " + guidance : "");
            return new Recorded(rec, describe(s, width, height, extra));
        }
    }

    /** FluxPipeline's T5 length: min(512, tokenizer_2's model_max_length). */
    static int fluxMaxSequenceLength(ModelIndex index) {
        Path cfg = index.componentDir("tokenizer_2").resolve("tokenizer_config.json");
        int max = FluxRequest.DEFAULT_MAX_SEQUENCE_LENGTH;
        if (java.nio.file.Files.isRegularFile(cfg)) {
            max = dev.nibble.engine.io.DiffusersConfig.read(cfg).getInt("model_max_length", max);
        }
        return Math.max(1, Math.min(FluxRequest.DEFAULT_MAX_SEQUENCE_LENGTH, max));
    }

    private static Recorded sdxl(ModelIndex index, QuantizeTarget rule, Executor ex, CalibrationSettings s,
                                 PrintStream progress) {
        try (StableDiffusionXLPipeline p = StableDiffusionXLPipeline.load(index.root())) {
            UNet2DConditionModel u = p.unet();
            int width = s.width() > 0 ? s.width() : p.defaultSize();
            int height = s.height() > 0 ? s.height() : p.defaultSize();
            int vsf = p.vae().vaeScaleFactor();
            if (width % 8 != 0 || height % 8 != 0) {
                throw new IllegalArgumentException("calibration size " + width + "x" + height
                        + " must be a multiple of 8 for SDXL");
            }
            int lh = height / vsf;
            int lw = width / vsf;
            int c = u.config().inChannels();
            float guidance = s.guidance() != null ? s.guidance() : SdxlRequest.DEFAULT_GUIDANCE;
            boolean cfg = StableDiffusionXLPipeline.doClassifierFreeGuidance(guidance);
            SdxlRequest.Size size = new SdxlRequest.Size(height, width);
            float[] timeIds = p.addTimeIds(size, new SdxlRequest.Crop(0, 0), size);
            ActivationRecorder rec = new ActivationRecorder("unet", path -> rule.quantize("unet", path),
                    s.rowsPerLayer(), s.seed());
            int n = s.prompts().size();
            for (int from = 0; from < n; from += s.batch()) {
                long t0 = System.nanoTime();
                List<String> chunk = s.prompts().subList(from, Math.min(n, from + s.batch()));
                int b = chunk.size();
                var emb = p.textEncoders().encode(ex, chunk, null, null, null, cfg, p.forceZerosForEmptyPrompt());
                EulerDiscreteScheduler sch = new EulerDiscreteScheduler(p.schedulerConfig());
                sch.setTimesteps(s.steps());
                float sigma = sch.initNoiseSigma();
                float[] latents = new float[b * c * lh * lw];
                for (int i = 0; i < b; i++) {
                    float[] z = DiffusionNoise.normal(s.seed() + from + i, c * lh * lw);
                    for (int j = 0; j < z.length; j++) {
                        latents[i * z.length + j] = z[j] * sigma;
                    }
                }
                UNet2DConditionModel.ShapeKey key = new UNet2DConditionModel.ShapeKey(cfg ? 2 * b : b, lh, lw,
                        emb.textLength(), emb.pooledPromptEmbeds().shape().dim(1),
                        u.config().textTimeEmbedding() ? timeIds.length : 0);
                CompiledGraph cg = u.compiled(ex, key);
                cg.observe(rec);
                try {
                    p.denoise(ex, emb, Tensor.ofFloats(Shape.of(b, c, lh, lw), latents), sch, 0, guidance, timeIds,
                            null);
                } finally {
                    cg.observe(null);
                }
                progress.printf(Locale.ROOT, "calibrate [%d/%d] %d prompt(s) x %d steps in %.1f s%n",
                        Math.min(n, from + b), n, b, s.steps(), (System.nanoTime() - t0) / 1e9);
            }
            String extra = cfg ? ", CFG " + guidance : ", no CFG";
            return new Recorded(rec, describe(s, width, height, extra));
        }
    }
}
