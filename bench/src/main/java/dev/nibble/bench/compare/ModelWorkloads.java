package dev.nibble.bench.compare;

import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.io.ModelIndex;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.Weights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Model-level workloads for a diffusers pipeline folder: one denoising step (the denoiser's forward pass
 * and the scheduler step, from fixed prompt embeddings and latents) and a whole text-to-image generation
 * (text encoders, every step, VAE decode). FLUX.1 folders ({@code FluxPipeline}, the transformer; see
 * {@link FluxBenchPipeline}) and SDXL folders ({@code StableDiffusionXLPipeline}, the U-Net with
 * classifier-free guidance; see {@link SdxlBenchPipeline}) are supported, other pipelines are refused with
 * a message. The precision is read from the denoiser's weights (svdq-int4 when it holds quantised layers,
 * otherwise the dtype most of its bytes are stored in), so a folder quantised by {@code nibble quantize}
 * gives svdq-int4 rows and its 16/32-bit original fp32 or bf16 rows.
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
     * @param maxSequenceLength T5 padding length (FLUX; SDXL's CLIP encoders pad to their own length)
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
     * @throws UnsupportedOperationException for pipelines other than FLUX and SDXL
     */
    public static WorkloadGroup forModel(Path dir, Settings settings, List<WorkloadKind> kinds) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder not found: " + dir);
        }
        BenchPipeline<?> pipeline = pipelineFor(dir, settings);
        String model = dir.toAbsolutePath().normalize().getFileName().toString();
        Precision precision = pipeline.precision();
        List<Workload> ws = new ArrayList<>();
        String size = settings.size() + "x" + settings.size();
        if (kinds.contains(WorkloadKind.STEP)) {
            ws.add(new Step(model + " step " + size, precision, pipeline));
        }
        if (kinds.contains(WorkloadKind.GENERATION)) {
            ws.add(new Generation(model + " generation " + size + " " + settings.steps() + " steps", precision,
                    pipeline));
        }
        return new WorkloadGroup(model, ws, pipeline);
    }

    /** The folder's pipeline family, from model_index.json's _class_name (nothing loaded yet). */
    private static BenchPipeline<?> pipelineFor(Path dir, Settings settings) {
        String cls = pipelineClass(dir);
        if (cls.startsWith("StableDiffusionXL")) {
            return new SdxlBenchPipeline(dir, settings);
        }
        if (cls.startsWith("Flux")) {
            return new FluxBenchPipeline(dir, settings);
        }
        throw new UnsupportedOperationException("model-level benchmarks support FLUX and SDXL pipeline folders; "
                + dir + " is a " + cls);
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
     * Whether a folder's transformer (SDXL: U-Net) is tiny (under 64 MB of safetensors): the built-in
     * nibble-shapes model, its quantised versions, test models. Such models get the built-in model's defaults
     * (64 px, 20 steps, 32 text tokens) instead of the full-size ones (1024 px; 28 steps and 512 tokens for
     * FLUX.1, 50 steps for SDXL).
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

    /** The precision a denoiser's (transformer's or U-Net's) weights are stored in. */
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

    /** Fields and naming every model workload shares; the family-specific work is the pipeline's. */
    private abstract static class ModelWorkload implements Workload {
        final String name;
        final Precision precision;
        final BenchPipeline<?> pipeline;

        ModelWorkload(String name, Precision precision, BenchPipeline<?> pipeline) {
            this.name = name;
            this.precision = precision;
            this.pipeline = pipeline;
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

        @Override
        public String toString() {
            return name + " " + precision;
        }
    }

    /** One denoising step: a one-step schedule run through the pipeline's denoising loop. */
    private static final class Step extends ModelWorkload {
        Step(String name, Precision precision, BenchPipeline<?> pipeline) {
            super(name, precision, pipeline);
        }

        @Override
        public WorkloadKind kind() {
            return WorkloadKind.STEP;
        }

        @Override
        public String detail() {
            return pipeline.stepDetail();
        }

        @Override
        public Prepared prepare(Device device, Device fallback) {
            BenchPipeline.PreparedStep step = pipeline.prepareStep(pipeline.executor(device, fallback));
            return new ModelRun(step.weightBytes(), step.graph(), device) {
                @Override
                public Sample run() {
                    long t0 = System.nanoTime();
                    BenchPipeline.orUnsupported(step.step());
                    long ns = System.nanoTime() - t0;
                    return new Sample(ns, ns);
                }
            };
        }
    }

    /** A whole text-to-image generation through the pipeline; the row reports the pipeline's own total time. */
    private static final class Generation extends ModelWorkload {
        Generation(String name, Precision precision, BenchPipeline<?> pipeline) {
            super(name, precision, pipeline);
        }

        @Override
        public WorkloadKind kind() {
            return WorkloadKind.GENERATION;
        }

        @Override
        public String detail() {
            return pipeline.generationDetail();
        }

        @Override
        public Prepared prepare(Device device, Device fallback) {
            Executor ex = pipeline.executor(device, fallback);
            long weights = pipeline.pipelineWeightBytes();
            CompiledGraph cg = pipeline.generationGraph(ex);
            return new ModelRun(weights, cg, device) {
                @Override
                public Sample run() {
                    long t0 = System.nanoTime();
                    BenchPipeline.Generated g = pipeline.generate(ex);
                    long wall = System.nanoTime() - t0;
                    activationBytes = g.denoiserArenaBytes();
                    return new Sample(g.timings().total(), wall, g.stages());
                }
            };
        }
    }

    /**
     * A model workload prepared on one device (the measured {@link #run} is the subclass's): the weights it
     * counts, the denoiser's activation arena (as planned for the compiled graph, replaced by what a run
     * reports) and the denoiser's nodes placed on the fallback device. Compiled graphs are cached in the
     * model and released with the group.
     */
    private abstract static class ModelRun implements Workload.Prepared {
        private final long weightBytes;
        private final int fallbackNodes;
        volatile long activationBytes;

        ModelRun(long weightBytes, CompiledGraph denoiser, Device device) {
            this.weightBytes = weightBytes;
            this.activationBytes = denoiser.memoryPlan().totalArenaBytes();
            this.fallbackNodes = fallbackNodes(denoiser, device);
        }

        @Override
        public long weightBytes() {
            return weightBytes;
        }

        @Override
        public long activationBytes() {
            return activationBytes;
        }

        @Override
        public int fallbackNodes() {
            return fallbackNodes;
        }

        @Override
        public void close() {
            // compiled graphs are cached in the model and released with the group
        }

        /** Nodes of {@code cg} placed on another device than {@code device} (transfers not counted). */
        private static int fallbackNodes(CompiledGraph cg, Device device) {
            int n = 0;
            for (Node node : cg.placed().nodes()) {
                if (!cg.placed().transfers().contains(node) && cg.placed().deviceOf().get(node) != device) {
                    n++;
                }
            }
            return n;
        }
    }
}
