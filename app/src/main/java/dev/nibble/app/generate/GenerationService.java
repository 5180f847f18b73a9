package dev.nibble.app.generate;

import dev.nibble.app.BadInputException;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.HostMemory;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.pipeline.DenoiserMemory;
import dev.nibble.models.common.pipeline.PipelineTimings;
import dev.nibble.models.flux.FluxPipeline;
import dev.nibble.models.flux.FluxRequest;
import dev.nibble.models.flux.FluxResult;
import dev.nibble.models.flux.FluxTransformer2DModel;
import dev.nibble.models.sdxl.SdxlRequest;
import dev.nibble.models.sdxl.SdxlResult;
import dev.nibble.models.sdxl.StableDiffusionXLPipeline;
import dev.nibble.models.sdxl.UNet2DConditionModel;
import dev.nibble.models.common.nn.Weights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The one place that turns a {@link GenerationRequest} into an image, for the CLI and the web demo.
 *
 * <p>It resolves the model ({@link ModelInfo#resolve}), checks the request against the model (size multiple,
 * steps, strength), reads the input image or sketch, loads the pipeline once per (folder, device, precision)
 * and keeps it, runs it with a per-step {@link ProgressListener}, and reports time per stage and peak memory.
 * Requests on one loaded pipeline run one at a time; different pipelines may run concurrently.
 * Problems with the request are {@link BadInputException}s.
 */
public final class GenerationService implements AutoCloseable {
    public static final Set<String> PRECISIONS = Set.of("fp32", "bf16", "svdq-int4");
    /** Sketch-to-image's default strength: enough noise to redraw, little enough to keep the layout. */
    public static final double DEFAULT_SKETCH_STRENGTH = 0.8;

    private record PipelineKey(Path folder, String device, String precision, List<String> loras) {}

    private record ExecutorKey(String backend, boolean strict, boolean timing, long weightBudgetBytes) {}

    /** An executor and its backend's name; {@code fresh} on the request that created it. */
    private record SelectedExecutor(String backend, Executor executor, boolean fresh) {}

    private final Map<PipelineKey, Loaded<?>> pipelines = new HashMap<>();
    private final Map<ExecutorKey, SelectedExecutor> executors = new HashMap<>();
    private Backends backends;
    private boolean closed;

    private static GenerationService shared;

    public GenerationService() {
    }

    /** One service for the whole process (the CLI and the web demo share its loaded pipelines). */
    public static synchronized GenerationService shared() {
        if (shared == null || shared.closed) {
            shared = new GenerationService();
        }
        return shared;
    }

    /** Backends discovered once, on first use. */
    private synchronized Backends backends() {
        if (backends == null) {
            backends = Backends.discover();
        }
        return backends;
    }

    /** Runs the request; see the class comment. */
    public GenerationResult generate(GenerationRequest req, ProgressListener progress) {
        long t0 = System.nanoTime();
        ProgressListener listener = progress == null ? ProgressListener.NONE : progress;
        // the built-in model at svdq-int4 is its shipped 4-bit folder (models/nibble-shapes-svdq)
        ModelInfo info = ModelInfo.resolve(req.model(), req.precision());
        List<String> warnings = new ArrayList<>();
        Plan plan = plan(req, info, warnings);

        long s = System.nanoTime();
        ChwImage input = null;
        if (req.sketch() != null) {
            input = InputImages.readSketch(req.sketch(), plan.width, plan.height);
        } else if (req.image() != null) {
            input = InputImages.readImage(req.image(), plan.width, plan.height);
        }
        long prepareNanos = input == null ? 0 : System.nanoTime() - s;

        s = System.nanoTime();
        SelectedExecutor sel = executor(req.backend(), req.strict(), req.timing(), req.weightBudgetBytes());
        Executor ex = sel.executor();
        Loaded<?> loaded = loaded(info, ex.device(), plan.precision, req.loras());
        warnings.addAll(loaded.warnings());
        warnings.forEach(listener::onWarning);
        boolean freshPipeline = loaded.freshlyLoaded();
        long loadNanos = sel.fresh() || freshPipeline ? System.nanoTime() - s : 0;
        Run run;
        synchronized (loaded) {
            run = loaded.run(ex, plan, input, listener);
        }
        GenerationResult.Timings timings = new GenerationResult.Timings(loadNanos, prepareNanos, run.timings(),
                System.nanoTime() - t0);
        GenerationResult.Memory memory = new GenerationResult.Memory(ex.device().allocatorStats().highWaterBytes(),
                run.memory().arenaBytes(), run.memory().peakLiveBytes(), HostMemory.peakRssBytes(),
                loaded.denoiserWeightBytes(), loaded.denoiserWeightBytes() + loaded.otherWeightBytes());
        return new GenerationResult(run.image(), info, req.mode(), sel.backend(), ex.device().name(), plan.precision,
                plan.width, plan.height, plan.steps, run.timings().steps().length, plan.seed, plan.guidance,
                plan.strength, info.maxSequenceLength(), timings, memory, warnings);
    }

    /** The request checked against the model, with the model's defaults filled in. */
    record Plan(String prompt, String negativePrompt, int width, int height, int steps, long seed, Float guidance,
                Double strength, String precision, int maxSequenceLength) {}

    /** Checks the request against the model and fills in defaults; bad values are {@link BadInputException}s. */
    static Plan plan(GenerationRequest req, ModelInfo info, List<String> warnings) {
        int width = req.width() != null ? req.width() : info.defaultWidth();
        int height = req.height() != null ? req.height() : info.defaultHeight();
        checkSize("--width", width, info);
        checkSize("--height", height, info);
        int steps = req.steps() != null ? req.steps() : info.defaultSteps();
        if (steps < 1) {
            throw new BadInputException("--steps must be at least 1, got " + steps);
        }
        if (req.image() != null && req.sketch() != null) {
            throw new BadInputException("--image and --sketch are two kinds of input; pass one of them");
        }
        boolean img2img = req.image() != null || req.sketch() != null;
        Double strength = null;
        if (req.strength() != null && !img2img) {
            throw new BadInputException("--strength " + req.strength() + " needs an input: --image IN.png or --sketch IN.png");
        }
        if (img2img) {
            strength = req.strength() != null ? req.strength()
                    : req.sketch() != null ? DEFAULT_SKETCH_STRENGTH : info.defaultImageStrength();
            if (!(strength > 0 && strength <= 1)) {
                throw new BadInputException("--strength must be in (0, 1] (1 = start from pure noise), got " + strength);
            }
            if (info.family() == ModelInfo.Family.SDXL && (int) (steps * strength) < 1) {
                throw new BadInputException("--strength " + strength + " with --steps " + steps + " runs no denoising step "
                        + "(SDXL runs int(steps x strength)); raise --strength or --steps");
            }
        }
        Float guidance;
        if (info.guidanceUsed()) {
            guidance = req.guidance() != null ? req.guidance() : info.defaultGuidance();
            if (!Float.isFinite(guidance)) {
                throw new BadInputException("--guidance must be a finite number, got " + guidance);
            }
        } else {
            guidance = null;
            if (req.guidance() != null) {
                warnings.add("--guidance is ignored: " + info.name() + " has no guidance embedding (a guidance-distilled "
                        + "FLUX.1-schnell-style model)");
            }
        }
        String negative = req.negativePrompt();
        if (negative != null && info.family() == ModelInfo.Family.FLUX) {
            warnings.add("--negative-prompt is ignored: FLUX pipelines have no negative prompt");
            negative = null;
        }
        String precision = req.precision().toLowerCase(Locale.ROOT);
        if (!PRECISIONS.contains(precision)) {
            throw new BadInputException("--precision must be one of fp32, bf16, svdq-int4, got '" + req.precision() + "'");
        }
        String denoiser = info.folder().resolve(info.family().denoiser()).toString();
        if (info.quantized()) {
            if (precision.equals("bf16")) {
                throw new BadInputException("--precision bf16 needs a 16/32-bit model, but " + denoiser + " holds SVDQ "
                        + "int4 weights; run it with --precision svdq-int4");
            }
            if (precision.equals("fp32")) {
                warnings.add(info.name() + " is an SVDQ int4 folder; running it as svdq-int4");
                precision = "svdq-int4";
            }
        } else if (precision.equals("svdq-int4")) {
            throw new BadInputException("--precision svdq-int4 needs a quantised model folder, but " + denoiser
                    + " has no SVDQ layers (*.qweight); make one with `nibble quantize --model " + info.name()
                    + " --out DIR` and pass --model DIR");
        }
        if (info.builtIn()) {
            String w = BuiltInModel.vocabularyWarning(req.prompt());
            if (w != null) {
                warnings.add(w);
            }
        }
        req.loras().forEach(LoraSpec::check);
        long seed = req.seed() != null ? req.seed() : ThreadLocalRandom.current().nextLong(0, 1L << 32);
        return new Plan(req.prompt(), negative, width, height, steps, seed, guidance, strength, precision,
                info.maxSequenceLength());
    }

    private static void checkSize(String option, int v, ModelInfo info) {
        if (v <= 0) {
            throw new BadInputException(option + " must be positive, got " + v);
        }
        if (v % info.sizeMultiple() != 0) {
            int lo = Math.max(info.sizeMultiple(), v / info.sizeMultiple() * info.sizeMultiple());
            throw new BadInputException(option + " " + v + " is not supported by " + info.name() + ": width and height "
                    + "must be multiples of " + info.sizeMultiple() + " (" + (info.family() == ModelInfo.Family.FLUX
                    ? "the VAE's downsampling times the 2x2 latent packing" : "the VAE's downsampling, and 8")
                    + "), e.g. " + lo + " or " + (lo + info.sizeMultiple()));
        }
    }

    /** The executor for (backend, strict, timing, weight budget), made once. */
    private synchronized SelectedExecutor executor(String backend, boolean strict, boolean timing, long budget) {
        String name = backend == null ? Backends.AUTO : backend.toLowerCase(Locale.ROOT).trim();
        ExecutorKey key = new ExecutorKey(name, strict, timing, budget);
        SelectedExecutor sel = executors.get(key);
        if (sel == null) {
            Backends bs = backends();
            Backend b = bs.select(name);
            Device d = bs.selectDevice(b.name());
            Device cpu = bs.cpu();
            ExecutionOptions options = ExecutionOptions.DEFAULT.withStrict(strict).withTiming(timing)
                    .withWeightBudget(budget);
            sel = new SelectedExecutor(b.name(), new Executor(d, strict || d == cpu ? null : cpu, options), false);
            executors.put(key, sel);
            return new SelectedExecutor(sel.backend(), sel.executor(), true);
        }
        return sel;
    }

    /** The pipeline for (folder, device, precision, LoRAs), loaded on first use. */
    private synchronized Loaded<?> loaded(ModelInfo info, Device device, String precision, List<LoraSpec> loras) {
        if (closed) {
            throw new IllegalStateException("the generation service is closed");
        }
        PipelineKey key = new PipelineKey(info.folder(), device.name(), precision,
                loras.stream().map(LoraSpec::cacheKey).toList());
        Loaded<?> l = pipelines.get(key);
        if (l != null) {
            l.markCached();
            return l;
        }
        l = info.family() == ModelInfo.Family.FLUX ? Loaded.load(FLUX, info, precision, loras)
                : Loaded.load(SDXL, info, precision, loras);
        pipelines.put(key, l);
        return l;
    }

    /** Pipelines currently loaded (for the web demo's status). */
    public synchronized int loadedPipelines() {
        return pipelines.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        RuntimeException first = null;
        for (Loaded<?> l : pipelines.values()) {
            try {
                synchronized (l) {
                    l.close();
                }
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        pipelines.clear();
        if (first != null) {
            throw first;
        }
    }

    /** What one pipeline call produced. */
    private record Run(ChwImage image, PipelineTimings timings, DenoiserMemory memory) {}

    /**
     * A loaded pipeline: {@code base} as stored, and {@code pipeline}, the one requests run on ({@code base} itself
     * unless the request changed the denoiser's weights).
     */
    private static final class Loaded<P> {
        private final FamilyPipelines<P> family;
        private final P base;
        private final P pipeline;
        private boolean fresh = true;
        private final long denoiserWeightBytes;
        private final long otherWeightBytes;
        private final List<String> warnings;

        private Loaded(FamilyPipelines<P> family, P base, P pipeline, long otherWeightBytes, List<String> warnings) {
            this.family = family;
            this.base = base;
            this.pipeline = pipeline;
            // what the denoiser's weightBytes() gives; for bf16 weights this converts every linear weight now
            this.denoiserWeightBytes = family.denoiserWeights().apply(pipeline).totalBytes();
            this.otherWeightBytes = otherWeightBytes;
            this.warnings = warnings;
        }

        /**
         * Loads the folder's pipeline and, where the request changes the denoiser's weights (LoRAs, bf16), a second
         * one over the changed weights; closes the first if that fails.
         */
        static <P> Loaded<P> load(FamilyPipelines<P> family, ModelInfo info, String precision, List<LoraSpec> loras) {
            P base = family.load().apply(info.folder());
            try {
                long other = safetensorsBytes(info.folder(), "text_encoder", "text_encoder_2", "vae");
                List<String> warnings = new ArrayList<>();
                Weights stored = family.denoiserWeights().apply(base);
                Weights w = denoiserWeights(stored, family.denoiserComponent(), precision, loras, warnings);
                P pipeline = w == stored ? base : family.withDenoiserWeights().apply(base, w);
                return new Loaded<>(family, base, pipeline, other, warnings);
            } catch (RuntimeException e) {
                family.close().accept(base);
                throw e;
            }
        }

        /** Warnings from loading (LoRA keys skipped), repeated with every request on this pipeline. */
        List<String> warnings() {
            return warnings;
        }

        /** True on the first request after loading (its time counts as load time), false afterwards. */
        synchronized boolean freshlyLoaded() {
            boolean f = fresh;
            fresh = false;
            return f;
        }

        synchronized void markCached() {
            fresh = false;
        }

        long denoiserWeightBytes() {
            return denoiserWeightBytes;
        }

        long otherWeightBytes() {
            return otherWeightBytes;
        }

        Run run(Executor ex, Plan p, ChwImage input, ProgressListener listener) {
            return family.runner().run(pipeline, ex, p, input, listener);
        }

        void close() {
            if (pipeline != base) {
                family.closeDenoiser().accept(pipeline); // its compiled graphs; the weights belong to base
            }
            family.close().accept(base);
        }
    }

    /**
     * The denoiser's weights as a request wants them: LoRAs applied ({@link LoraWeights}), then bf16
     * ({@link Bf16Weights}); the stored weights themselves when neither.
     */
    private static Weights denoiserWeights(Weights stored, String component, String precision, List<LoraSpec> loras,
                                           List<String> warnings) {
        Weights w = stored;
        if (!loras.isEmpty()) {
            w = LoraWeights.apply(w, component, loras, warnings);
        }
        if (precision.equals("bf16")) {
            w = new Bf16Weights(w);
        }
        return w;
    }

    /**
     * What {@link Loaded} needs of one model family's pipeline class.
     *
     * @param load                loads a pipeline folder
     * @param denoiserComponent   the denoiser's component folder, whose name LoRA keys are matched under
     * @param denoiserWeights     a pipeline's denoiser weights
     * @param withDenoiserWeights a pipeline sharing the given one's text encoders, VAE and scheduler, its denoiser
     *                            over the given weights
     * @param closeDenoiser       closes a pipeline's denoiser and nothing it shares
     * @param close               closes a pipeline
     * @param runner              runs a request's plan on a pipeline
     */
    private record FamilyPipelines<P>(Function<Path, P> load, String denoiserComponent,
                                      Function<P, Weights> denoiserWeights,
                                      BiFunction<P, Weights, P> withDenoiserWeights, Consumer<P> closeDenoiser,
                                      Consumer<P> close, Runner<P> runner) {}

    /** Runs a plan on a pipeline. */
    @FunctionalInterface
    private interface Runner<P> {
        Run run(P pipeline, Executor ex, Plan p, ChwImage input, ProgressListener listener);
    }

    private static final FamilyPipelines<FluxPipeline> FLUX = new FamilyPipelines<>(FluxPipeline::load, "transformer",
            p -> p.transformer().weights(),
            (base, w) -> new FluxPipeline(base.textEncoder(), FluxTransformer2DModel.of(base.transformer().config(), w),
                    base.schedulerConfig(), base.vae()),
            p -> p.transformer().close(), FluxPipeline::close, GenerationService::runFlux);

    private static final FamilyPipelines<StableDiffusionXLPipeline> SDXL = new FamilyPipelines<>(
            StableDiffusionXLPipeline::load, "unet", p -> p.unet().weights(),
            (base, w) -> new StableDiffusionXLPipeline(base.textEncoders(),
                    UNet2DConditionModel.of(base.unet().config(), w), base.vae(), base.schedulerConfig(),
                    base.forceZerosForEmptyPrompt()),
            p -> p.unet().close(), StableDiffusionXLPipeline::close, GenerationService::runSdxl);

    private static Run runFlux(FluxPipeline pipeline, Executor ex, Plan p, ChwImage input, ProgressListener listener) {
        FluxRequest r = FluxRequest.of(p.prompt()).withSize(p.height(), p.width()).withSteps(p.steps())
                .withSeed(p.seed()).withMaxSequenceLength(p.maxSequenceLength());
        if (p.guidance() != null) {
            r = r.withGuidance(p.guidance());
        }
        if (input != null) {
            r = r.withImage(input.toTensor(), p.strength());
        }
        FluxResult res = pipeline.generate(ex, r, st -> listener.onStep(st.index(), st.total(), st.nanos()));
        return new Run(chw(res.image()), res.timings(), res.memory());
    }

    private static Run runSdxl(StableDiffusionXLPipeline pipeline, Executor ex, Plan p, ChwImage input,
                               ProgressListener listener) {
        SdxlRequest.Builder b = SdxlRequest.builder(p.prompt()).size(p.height(), p.width()).steps(p.steps())
                .seed(p.seed()).guidance(p.guidance());
        if (p.negativePrompt() != null) {
            b.negativePrompt(p.negativePrompt());
        }
        if (input != null) {
            b.image(input.toTensor(), p.strength());
        }
        SdxlResult res = pipeline.generate(ex, b.build(), st -> listener.onStep(st.index(), st.total(), st.nanos()));
        return new Run(chw(res.image()), res.timings(), res.memory());
    }

    /** The first image of an NHWC [B, H, W, 3] tensor as (3, H, W). */
    static ChwImage chw(Tensor nhwc) {
        Shape s = nhwc.shape();
        int h = s.dim(1), w = s.dim(2), c = s.dim(3);
        float[] in = nhwc.toFloatArray();
        float[] out = new float[c * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    out[(ch * h + y) * w + x] = in[(y * w + x) * c + ch];
                }
            }
        }
        return new ChwImage(c, h, w, out);
    }

    /** Bytes of the safetensors files in the named component folders (those present). */
    static long safetensorsBytes(Path folder, String... components) {
        long n = 0;
        for (String c : components) {
            Path dir = folder.resolve(c);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).toList()) {
                    n += Files.size(f);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return n;
    }

    /** A human-readable summary of a request's defaults for a model (the web demo shows these). */
    public static Map<String, Object> defaults(String model) {
        ModelInfo info = ModelInfo.resolve(model);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", info.name());
        m.put("pipeline", info.pipelineClass());
        m.put("width", info.defaultWidth());
        m.put("height", info.defaultHeight());
        m.put("steps", info.defaultSteps());
        m.put("size_multiple", info.sizeMultiple());
        m.put("guidance", info.guidanceUsed() ? info.defaultGuidance() : null);
        m.put("max_sequence_length", info.maxSequenceLength());
        m.put("quantized", info.quantized());
        return m;
    }
}
