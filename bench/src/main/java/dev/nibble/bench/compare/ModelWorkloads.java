package dev.nibble.bench.compare;

import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.io.ModelIndex;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.UnsupportedNodeException;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.SafetensorsWeights;
import dev.nibble.models.common.nn.Weights;
import dev.nibble.models.common.scheduler.DiffusionNoise;
import dev.nibble.models.common.scheduler.FlowMatchEulerDiscreteScheduler;
import dev.nibble.models.flux.FluxPipeline;
import dev.nibble.models.flux.FluxRequest;
import dev.nibble.models.flux.FluxResult;
import dev.nibble.models.flux.FluxTransformer2DModel;
import dev.nibble.models.flux.LatentPacking;
import dev.nibble.models.flux.PromptEmbeddings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Model-level workloads for a diffusers pipeline folder: one denoising step (the transformer's forward
 * pass and the scheduler step, from fixed prompt embeddings and latents) and a whole text-to-image
 * generation (text encoders, every step, VAE decode). FLUX.1 folders ({@code FluxPipeline}) are
 * supported; the precision is read from the transformer's weights (svdq-int4 when it holds quantised
 * layers, otherwise the dtype most of its bytes are stored in). SDXL folders are refused with a message:
 * their step and generation rows are not implemented yet ({@code nibble eval} does run SDXL folders).
 */
public final class ModelWorkloads {
    /** Prompt used by the model workloads (inside the built-in model's vocabulary, harmless elsewhere). */
    public static final String PROMPT = "a large red circle on a blue background";
    public static final long SEED = 0;

    /**
     * Size settings of the model workloads.
     *
     * @param size              image height and width in pixels
     * @param steps             denoising steps of the generation
     * @param maxSequenceLength T5 padding length
     */
    public record Settings(int size, int steps, int maxSequenceLength) {
        public Settings {
            if (size < 16 || size % 16 != 0) {
                throw new IllegalArgumentException("image size must be a positive multiple of 16, got " + size);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            }
            if (maxSequenceLength < 1 || maxSequenceLength > 512) {
                throw new IllegalArgumentException("max sequence length must be in 1..512, got " + maxSequenceLength);
            }
        }
    }

    private ModelWorkloads() {
    }

    /** What a folder holds, for the defaults and the error messages. */
    public static String pipelineClass(Path dir) {
        return ModelIndex.read(dir).className();
    }

    /**
     * The step and generation workloads of one model folder, sharing one loaded pipeline (loaded on first
     * use, closed when the group is released) and prompt embeddings computed once on the CPU.
     *
     * @param kinds which of STEP and GENERATION to include
     * @throws UnsupportedOperationException for pipelines other than FLUX
     */
    public static WorkloadGroup forModel(Path dir, Settings settings, List<WorkloadKind> kinds) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder not found: " + dir);
        }
        String cls = pipelineClass(dir);
        if (!cls.startsWith("Flux")) {
            throw new UnsupportedOperationException("model-level benchmarks support FLUX pipeline folders only; "
                    + dir + " is a " + cls + " (SDXL step/generation rows are not implemented yet; nibble eval runs SDXL)");
        }
        String model = dir.toAbsolutePath().normalize().getFileName().toString();
        FluxState state = new FluxState(dir, settings);
        Precision precision = state.precision();
        List<Workload> ws = new ArrayList<>();
        String size = settings.size() + "x" + settings.size();
        if (kinds.contains(WorkloadKind.STEP)) {
            ws.add(new FluxStep(model + " step " + size, precision, state));
        }
        if (kinds.contains(WorkloadKind.GENERATION)) {
            ws.add(new FluxGeneration(model + " generation " + size + " " + settings.steps() + " steps", precision,
                    state));
        }
        return new WorkloadGroup(model, ws, state::close);
    }

    /** Whether a folder holds an SDXL pipeline (model_index.json's _class_name StableDiffusionXL*). */
    public static boolean isSdxl(Path dir) {
        try {
            return pipelineClass(dir).startsWith("StableDiffusionXL");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The component holding the denoiser's weights: "unet" for SDXL, else "transformer". */
    public static String denoiserComponent(Path dir) {
        return isSdxl(dir) ? "unet" : "transformer";
    }

    /**
     * Whether a folder's transformer (SDXL: U-Net) is tiny (under 64 MB of safetensors): the built-in nibble-shapes model,
     * its quantised versions, test models. Such models get the built-in model's defaults (64 px, 20 steps,
     * 32 text tokens) instead of FLUX.1's (1024 px, 28 steps, 512 tokens).
     */
    public static boolean isTiny(Path modelDir) {
        Path transformer;
        try {
            transformer = ModelIndex.read(modelDir).componentDir(denoiserComponent(modelDir));
        } catch (RuntimeException e) {
            transformer = modelDir.resolve(denoiserComponent(modelDir));
        }
        try (var files = Files.walk(transformer, 1)) {
            long bytes = files.filter(f -> f.toString().endsWith(".safetensors")).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (java.io.IOException e) {
                    return 0;
                }
            }).sum();
            return bytes > 0 && bytes < 64L << 20;
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** The precision a transformer's weights are stored in. */
    static Precision precisionOf(Weights w) {
        String format = w.metadata().get("nibble.format");
        if ("svdq-int4".equals(format)) {
            return Precision.SVDQ_INT4;
        }
        Map<DType, Long> bytes = new EnumMap<>(DType.class);
        for (String name : w.names()) {
            if (name.endsWith(".qweight")) {
                return Precision.SVDQ_INT4;
            }
            Tensor t = w.get(name);
            bytes.merge(t.dtype(), t.byteSize(), Long::sum);
        }
        DType top = bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(DType.F32);
        return switch (top) {
            case BF16 -> Precision.BF16;
            case F16 -> Precision.FP16;
            default -> Precision.FP32;
        };
    }

    /** The loaded pipeline, one executor per device, and the embeddings and latents the step uses. */
    static final class FluxState implements AutoCloseable {
        final Path dir;
        final Settings settings;
        private FluxPipeline pipeline;
        private PromptEmbeddings embeddings;
        private final Map<Device, Executor> executors = new IdentityHashMap<>();
        private Precision precision;

        FluxState(Path dir, Settings settings) {
            this.dir = dir;
            this.settings = settings;
        }

        synchronized FluxPipeline pipeline() {
            if (pipeline == null) {
                pipeline = FluxPipeline.load(dir);
            }
            return pipeline;
        }

        /** Read from the transformer's safetensors headers (memory-mapped, nothing loaded). */
        synchronized Precision precision() {
            if (precision == null) {
                try (SafetensorsWeights w = SafetensorsWeights.open(ModelIndex.read(dir).componentDir("transformer"))) {
                    precision = precisionOf(w);
                }
            }
            return precision;
        }

        synchronized Executor executor(Device device, Device fallback) {
            return executors.computeIfAbsent(device, d -> new Executor(d, fallback,
                    ExecutionOptions.DEFAULT.withStrict(fallback == null)));
        }

        /** Prompt embeddings, computed once on the CPU (the step measures the transformer, not the encoders). */
        synchronized PromptEmbeddings embeddings() {
            if (embeddings == null) {
                Device cpu = Backends.discover().cpu();
                embeddings = pipeline().textEncoder().encode(new Executor(cpu, null, ExecutionOptions.DEFAULT),
                        List.of(PROMPT), settings.maxSequenceLength());
            }
            return embeddings;
        }

        int latentSize() {
            return LatentPacking.latentSize(settings.size(), pipeline().vae().vaeScaleFactor());
        }

        int imageSeqLen() {
            int l = latentSize();
            return (l / 2) * (l / 2);
        }

        @Override
        public synchronized void close() {
            if (pipeline != null) {
                pipeline.close();
                pipeline = null;
            }
            executors.clear();
            embeddings = null;
        }
    }

    private abstract static class FluxWorkload implements Workload {
        final String name;
        final Precision precision;
        final FluxState state;

        FluxWorkload(String name, Precision precision, FluxState state) {
            this.name = name;
            this.precision = precision;
            this.state = state;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Precision precision() {
            return precision;
        }

        @Override
        public double flops() {
            return 0;
        }

        /** The transformer compiled for this shape on {@code ex}, or "unsupported" when a node cannot be placed. */
        CompiledGraph transformer(Executor ex, int textLen) {
            try {
                return state.pipeline().transformer().compiled(ex, 1, state.imageSeqLen(), textLen);
            } catch (UnsupportedNodeException e) {
                throw new UnsupportedWorkloadException(e.getMessage(), e);
            }
        }

        static int fallbackNodes(CompiledGraph cg, Device device) {
            int n = 0;
            for (Node node : cg.placed().nodes()) {
                if (!cg.placed().transfers().contains(node) && cg.placed().deviceOf().get(node) != device) {
                    n++;
                }
            }
            return n;
        }

        @Override
        public String toString() {
            return name + " " + precision;
        }
    }

    /** One denoising step: a one-step schedule run by {@link FluxPipeline#denoise}. */
    static final class FluxStep extends FluxWorkload {
        FluxStep(String name, Precision precision, FluxState state) {
            super(name, precision, state);
        }

        @Override
        public WorkloadKind kind() {
            return WorkloadKind.STEP;
        }

        @Override
        public String detail() {
            return "transformer forward + scheduler step, batch 1, " + state.settings.size() + "x"
                    + state.settings.size() + ", text length " + state.settings.maxSequenceLength();
        }

        @Override
        public Prepared prepare(Device device, Device fallback) {
            FluxPipeline p = state.pipeline();
            Executor ex = state.executor(device, fallback);
            PromptEmbeddings emb = state.embeddings();
            CompiledGraph cg = transformer(ex, emb.textSeqLen());
            int l = state.latentSize();
            int c = p.transformer().config().latentChannels();
            Tensor latents = LatentPacking.pack(Tensor.ofFloats(Shape.of(1, c, l, l),
                    DiffusionNoise.normal(SEED, c * l * l)));
            Float guidance = p.transformer().config().guidanceEmbeds() ? FluxRequest.DEFAULT_GUIDANCE : null;
            FluxTransformer2DModel t = p.transformer();
            long weights = t.weightBytes();
            long arena = cg.memoryPlan().totalArenaBytes();
            int fb = fallbackNodes(cg, device);
            return new Prepared() {
                @Override
                public Sample run() {
                    FlowMatchEulerDiscreteScheduler sch = p.scheduler(1, state.imageSeqLen());
                    long t0 = System.nanoTime();
                    try {
                        p.denoise(ex, emb, latents, l, l, sch, 0, guidance, null);
                    } catch (UnsupportedNodeException e) {
                        throw new UnsupportedWorkloadException(e.getMessage(), e);
                    }
                    long ns = System.nanoTime() - t0;
                    return new Sample(ns, ns);
                }

                @Override
                public long weightBytes() {
                    return weights;
                }

                @Override
                public long activationBytes() {
                    return arena;
                }

                @Override
                public int fallbackNodes() {
                    return fb;
                }

                @Override
                public void close() {
                    // compiled graphs are cached in the model and released with the group
                }
            };
        }
    }

    /** A whole text-to-image generation through {@link FluxPipeline#generate}. */
    static final class FluxGeneration extends FluxWorkload {
        FluxGeneration(String name, Precision precision, FluxState state) {
            super(name, precision, state);
        }

        @Override
        public WorkloadKind kind() {
            return WorkloadKind.GENERATION;
        }

        @Override
        public String detail() {
            Settings s = state.settings;
            return "text encoders + " + s.steps() + " steps + VAE decode, " + s.size() + "x" + s.size()
                    + ", text length " + s.maxSequenceLength();
        }

        @Override
        public Prepared prepare(Device device, Device fallback) {
            FluxPipeline p = state.pipeline();
            Executor ex = state.executor(device, fallback);
            Settings s = state.settings;
            FluxRequest req = FluxRequest.of(PROMPT).withSize(s.size(), s.size()).withSteps(s.steps()).withSeed(SEED)
                    .withMaxSequenceLength(s.maxSequenceLength());
            long weights = weightBytes(p);
            CompiledGraph cg = transformer(ex, s.maxSequenceLength());
            int fb = fallbackNodes(cg, device);
            long[] arena = {cg.memoryPlan().totalArenaBytes()};
            return new Prepared() {
                @Override
                public Sample run() {
                    long t0 = System.nanoTime();
                    FluxResult r;
                    try {
                        r = p.generate(ex, req, null);
                    } catch (UnsupportedNodeException e) {
                        throw new UnsupportedWorkloadException(e.getMessage(), e);
                    }
                    long wall = System.nanoTime() - t0;
                    arena[0] = r.memory().transformerArenaBytes();
                    return new Sample(r.timings().total(), wall);
                }

                @Override
                public long weightBytes() {
                    return weights;
                }

                @Override
                public long activationBytes() {
                    return arena[0];
                }

                @Override
                public int fallbackNodes() {
                    return fb;
                }

                @Override
                public void close() {
                }
            };
        }

        /** The transformer's weights plus whatever the folder's other safetensors hold (encoders, VAE). */
        private long weightBytes(FluxPipeline p) {
            long n = p.transformer().weightBytes();
            try (var files = Files.walk(state.dir, 2)) {
                n += files.filter(f -> f.toString().toLowerCase(Locale.ROOT).endsWith(".safetensors"))
                        .filter(f -> !f.getParent().getFileName().toString().equals("transformer"))
                        .mapToLong(f -> {
                            try {
                                return Files.size(f);
                            } catch (java.io.IOException e) {
                                return 0;
                            }
                        }).sum();
            } catch (java.io.IOException e) {
                // leave the transformer's bytes alone
            }
            return n;
        }
    }
}
