package dev.nibble.bench.compare;

import dev.nibble.models.common.pipeline.PipelineTimings;
import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.ModelIndex;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.UnsupportedNodeException;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.SafetensorsWeights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One model folder's pipeline as its step and generation workloads use it, whatever the family: loaded
 * on first use and shared by both workloads, one executor per device, the precision read from the
 * denoiser's safetensors headers, closed when the workload group is released. A subclass per pipeline
 * family ({@link FluxBenchPipeline}, {@link SdxlBenchPipeline}) says how that family runs one denoising
 * step from fixed embeddings and latents, and a whole generation.
 *
 * @param <P> the family's pipeline type
 */
abstract class BenchPipeline<P extends AutoCloseable> implements AutoCloseable {
    /**
     * A step set up on one executor: the denoiser compiled at the step's shape, its weights as stored, and
     * the measured call (one denoising step, returning the latents after it).
     */
    record PreparedStep(CompiledGraph graph, long weightBytes, Supplier<Tensor> step) {
    }

    /** What one whole generation reports: its stage times and the denoiser's activation arena. */
    record Generated(PipelineTimings timings, long denoiserArenaBytes) {
        /**
         * The stages a benchmark row shows, in pipeline order: text encoders, image encode (image-to-image
         * only), all denoising steps, the mean step, VAE decode.
         */
        java.util.SequencedMap<String, Long> stages() {
            java.util.SequencedMap<String, Long> m = new java.util.LinkedHashMap<>();
            m.put("text_encode", timings.textEncode());
            if (timings.vaeEncode() > 0) {
                m.put("vae_encode", timings.vaeEncode());
            }
            m.put("denoise", timings.denoise());
            m.put("step", timings.steps().length == 0 ? 0 : timings.denoise() / timings.steps().length);
            m.put("vae_decode", timings.vaeDecode());
            return m;
        }
    }

    final Path dir;
    final ModelWorkloads.Settings settings;
    private final String denoiserComponent;
    private final Function<Path, P> loader;
    private final Map<Device, Executor> executors = new IdentityHashMap<>();
    private P pipeline;
    private Precision precision;

    /**
     * @param denoiserComponent the component folder holding the denoiser ("transformer", "unet")
     * @param loader            loads the family's pipeline from the folder
     */
    BenchPipeline(Path dir, ModelWorkloads.Settings settings, String denoiserComponent, Function<Path, P> loader) {
        this.dir = dir;
        this.settings = settings;
        this.denoiserComponent = denoiserComponent;
        this.loader = loader;
    }

    /** The {@link Workload#detail} of the step row. */
    abstract String stepDetail();

    /** The {@link Workload#detail} of the generation row. */
    abstract String generationDetail();

    /** Sets up one denoising step (a one-step schedule from fixed embeddings and latents) on {@code ex}. */
    abstract PreparedStep prepareStep(Executor ex);

    /** The denoiser compiled on {@code ex} at the shape a whole generation uses. */
    abstract CompiledGraph generationGraph(Executor ex);

    /** One whole text-to-image generation (text encoders, every step, VAE decode) on {@code ex}. */
    abstract Generated generate(Executor ex);

    /** Bytes of the denoiser's weights as stored. */
    abstract long denoiserWeightBytes();

    synchronized P pipeline() {
        if (pipeline == null) {
            pipeline = loader.apply(dir);
        }
        return pipeline;
    }

    /** Read from the denoiser's safetensors headers (memory-mapped, nothing loaded). */
    synchronized Precision precision() {
        if (precision == null) {
            try (SafetensorsWeights w = SafetensorsWeights.open(ModelIndex.read(dir).componentDir(denoiserComponent))) {
                precision = ModelWorkloads.precisionOf(w);
            }
        }
        return precision;
    }

    synchronized Executor executor(Device device, Device fallback) {
        return executors.computeIfAbsent(device, d -> new Executor(d, fallback,
                ExecutionOptions.DEFAULT.withStrict(fallback == null)));
    }

    /** An executor on the CPU for what is computed once outside the measurement (prompt embeddings). */
    static Executor cpuExecutor() {
        return new Executor(Backends.discover().cpu(), null, ExecutionOptions.DEFAULT);
    }

    /** The denoiser's weights plus whatever the folder's other safetensors hold (text encoders, VAE). */
    long pipelineWeightBytes() {
        long n = denoiserWeightBytes();
        // follow links: a quantised folder shares its text encoders and VAE with the original through symlinks
        try (var files = Files.walk(dir, 2, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            n += files.filter(f -> f.toString().toLowerCase(Locale.ROOT).endsWith(".safetensors"))
                    .filter(f -> !f.getParent().getFileName().toString().equals(denoiserComponent))
                    .mapToLong(BenchPipeline::sizeOrZero).sum();
        } catch (IOException | UncheckedIOException e) {
            // leave the denoiser's bytes alone
        }
        return n;
    }

    private static long sizeOrZero(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * {@code work.get()} (compiling or running a graph), with a node the device cannot run reported as an
     * unsupported workload rather than a failure.
     */
    static <T> T orUnsupported(Supplier<T> work) {
        try {
            return work.get();
        } catch (UnsupportedNodeException e) {
            throw new UnsupportedWorkloadException(e.getMessage(), e);
        }
    }

    /** Closes the pipeline (subclasses also drop what they computed once, such as prompt embeddings). */
    @Override
    public synchronized void close() {
        if (pipeline != null) {
            try {
                pipeline.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the pipeline of " + dir + " failed", e);
            } finally {
                pipeline = null;
            }
        }
        executors.clear();
    }
}
