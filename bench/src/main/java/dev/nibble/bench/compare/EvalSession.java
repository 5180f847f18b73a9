package dev.nibble.bench.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.HostMemory;
import dev.nibble.engine.spi.Device;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.ImageIo;
import dev.nibble.models.common.image.PixelRange;
import dev.nibble.models.flux.FluxPipeline;
import dev.nibble.models.flux.FluxRequest;
import dev.nibble.models.flux.FluxResult;
import dev.nibble.models.sdxl.SdxlRequest;
import dev.nibble.models.sdxl.SdxlResult;
import dev.nibble.models.sdxl.StableDiffusionXLPipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What {@code nibble eval} does without the command line: generate the same prompts with the same seeds
 * with a reference (16/32-bit) and a quantised (svdq-int4) model folder through its pipeline (FLUX.1's
 * FluxPipeline or StableDiffusionXLPipeline, from model_index.json), each
 * image stored as {@code OUT/<role>/NNNN.png} next to a {@code NNNN.json} sidecar with its prompt, seed,
 * settings, latency and memory. A later run with the same settings reuses every image whose sidecar
 * matches, so an interrupted evaluation resumes where it stopped. Quality metrics are computed by
 * {@link EvalReport} from the PNGs as stored (8-bit), so fresh and resumed runs compare alike.
 */
public final class EvalSession {
    public static final String REFERENCE = "reference";
    public static final String QUANTIZED = "quantized";

    /**
     * Generation settings shared by both models.
     *
     * @param baseSeed image i uses seed baseSeed + i
     */
    public record Settings(int size, int steps, int maxSequenceLength, float guidance, long baseSeed) {
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

    /** One generated (or reused) image. */
    public record Generated(int index, String prompt, long seed, Path png, double latencyMs, boolean reused) {
    }

    /**
     * One model's images with what generating them cost.
     *
     * @param weightBytes     the transformer's weights as stored
     * @param activationBytes the transformer's activation arena
     * @param deviceBytes     device memory the pipeline held (allocator in-use growth since loading, the most seen)
     * @param hostPeakRssBytes the process's peak RSS when the last image was made (cumulative over the process)
     * @param generated       images generated in this run (the rest were reused)
     */
    public record ModelRun(String role, Path dir, Precision precision, String device, List<Generated> images,
                           long weightBytes, long activationBytes, long deviceBytes, long hostPeakRssBytes,
                           int generated) {
        public ModelRun {
            images = List.copyOf(images);
        }

        /** Median latency per image in ms (the first image of a run also compiles the graphs). */
        public double medianLatencyMs() {
            long[] v = images.stream().mapToLong(g -> Math.round(g.latencyMs() * 1000)).toArray();
            return v.length == 0 ? Double.NaN : Stats.of(v).median() / 1000.0;
        }

        public String name() {
            return dir.toAbsolutePath().normalize().getFileName().toString();
        }
    }

    private EvalSession() {
    }

    /**
     * The prompts of a text file: one per line, blank lines and lines starting with '#' skipped, at most
     * {@code n} of them (null: all). A line with tab-separated fields (such as the built-in model's
     * samples-prompts.txt, "index TAB seed N TAB prompt") contributes its last field.
     */
    public static List<String> readPrompts(Path file, Integer n) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String p = line.strip();
            if (p.isEmpty() || p.startsWith("#")) {
                continue;
            }
            int tab = p.lastIndexOf('\t');
            if (tab >= 0) {
                p = p.substring(tab + 1).strip(); // "index<TAB>seed N<TAB>prompt" listings: the prompt is the last field
            }
            out.add(p);
            if (n != null && out.size() >= n) {
                break;
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no prompts in " + file);
        }
        return out;
    }

    /**
     * The built-in model's defaults for tiny models (see {@link ModelWorkloads#isTiny}), else the pipeline's:
     * FLUX.1's (1024 px, 28 steps, 512 tokens, guidance 3.5) or SDXL's (1024 px, 50 steps, CFG 5.0; the
     * sequence length does not apply to SDXL's CLIP encoders and is only recorded).
     */
    public static Settings defaults(Path modelDir, Integer size, Integer steps, Integer maxSeq, Float guidance,
                                    Long seed) {
        boolean tiny = ModelWorkloads.isTiny(modelDir);
        boolean sdxl = ModelWorkloads.isSdxl(modelDir);
        return new Settings(size != null ? size : tiny ? 64 : FluxRequest.DEFAULT_SIZE,
                steps != null ? steps : tiny ? 20 : sdxl ? SdxlRequest.DEFAULT_STEPS : FluxRequest.DEFAULT_STEPS,
                maxSeq != null ? maxSeq : tiny ? 32 : FluxRequest.DEFAULT_MAX_SEQUENCE_LENGTH,
                guidance != null ? guidance : sdxl ? SdxlRequest.DEFAULT_GUIDANCE : FluxRequest.DEFAULT_GUIDANCE,
                seed != null ? seed : 1000L);
    }

    /** What one generation produced, whichever pipeline made it. */
    private record Image(dev.nibble.engine.tensor.Tensor nhwc, long totalNanos, long weightBytes, long arenaBytes) {
    }

    /** A loaded FLUX or SDXL pipeline behind one call. */
    private interface Generator extends AutoCloseable {
        Image generate(Executor ex, String prompt, long seed, Settings s);

        @Override
        void close();

        static Generator load(Path modelDir) {
            if (ModelWorkloads.isSdxl(modelDir)) {
                StableDiffusionXLPipeline pipe = StableDiffusionXLPipeline.load(modelDir);
                return new Generator() {
                    @Override
                    public Image generate(Executor ex, String prompt, long seed, Settings s) {
                        SdxlRequest req = SdxlRequest.builder(prompt).size(s.size(), s.size()).steps(s.steps())
                                .guidance(s.guidance()).seed(seed).build();
                        SdxlResult r = pipe.generate(ex, req, null);
                        return new Image(r.image(), r.timings().total(), r.memory().weightBytes(),
                                r.memory().arenaBytes());
                    }

                    @Override
                    public void close() {
                        pipe.close();
                    }
                };
            }
            FluxPipeline pipe = FluxPipeline.load(modelDir);
            return new Generator() {
                @Override
                public Image generate(Executor ex, String prompt, long seed, Settings s) {
                    FluxRequest req = FluxRequest.of(prompt).withSize(s.size(), s.size()).withSteps(s.steps())
                            .withSeed(seed).withMaxSequenceLength(s.maxSequenceLength()).withGuidance(s.guidance());
                    FluxResult r = pipe.generate(ex, req, null);
                    return new Image(r.image(), r.timings().total(), r.memory().weightBytes(),
                            r.memory().arenaBytes());
                }

                @Override
                public void close() {
                    pipe.close();
                }
            };
        }
    }

    /**
     * Generates every image of {@code prompts} that {@code outDir/role} does not already hold with the same
     * settings. The pipeline is loaded only when something is missing.
     */
    public static ModelRun generate(String role, Path modelDir, Path outDir, List<String> prompts, Settings s,
                                    Executor ex, Progress progress) throws IOException {
        Path dir = outDir.resolve(role);
        Files.createDirectories(dir);
        String model = modelDir.toAbsolutePath().normalize().toString();
        Precision precision;
        try (var w = dev.nibble.models.common.nn.SafetensorsWeights.open(
                dev.nibble.engine.io.ModelIndex.read(modelDir).componentDir(ModelWorkloads.denoiserComponent(modelDir)))) {
            precision = ModelWorkloads.precisionOf(w);
        }
        List<Generated> images = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        long weightBytes = 0;
        long activationBytes = 0;
        long deviceBytes = 0;
        long peakRss = 0;
        for (int i = 0; i < prompts.size(); i++) {
            ObjectNode meta = readSidecar(sidecar(dir, i));
            if (meta != null && Files.isRegularFile(png(dir, i)) && matches(meta, prompts.get(i), s.baseSeed() + i, s, model)) {
                images.add(new Generated(i, prompts.get(i), s.baseSeed() + i, png(dir, i), meta.path("latency_ms").asDouble(),
                        true));
                weightBytes = Math.max(weightBytes, meta.path("weight_bytes").asLong());
                activationBytes = Math.max(activationBytes, meta.path("activation_bytes").asLong());
                deviceBytes = Math.max(deviceBytes, meta.path("device_bytes").asLong());
                peakRss = Math.max(peakRss, meta.path("host_peak_rss_bytes").asLong());
            } else {
                missing.add(i);
                images.add(null);
            }
        }
        progress.advance(prompts.size() - missing.size(), role + ": reused " + (prompts.size() - missing.size()));
        if (!missing.isEmpty()) {
            Device device = ex.device();
            long before = device.allocatorStats().inUseBytes();
            try (Generator pipe = Generator.load(modelDir)) {
                for (int i : missing) {
                    long seed = s.baseSeed() + i;
                    progress.advance(0, role + " image " + (i + 1) + "/" + prompts.size());
                    Image r = pipe.generate(ex, prompts.get(i), seed, s);
                    ChwImage img = nhwcToChw(r.nhwc());
                    ImageIo.writePng(img, PixelRange.UNIT, png(dir, i));
                    double ms = r.totalNanos() / 1e6;
                    weightBytes = r.weightBytes();
                    activationBytes = r.arenaBytes();
                    deviceBytes = Math.max(deviceBytes, device.allocatorStats().inUseBytes() - before);
                    peakRss = HostMemory.peakRssBytes();
                    ObjectNode meta = BenchReport.MAPPER.createObjectNode();
                    meta.put("prompt", prompts.get(i));
                    meta.put("seed", seed);
                    meta.put("size", s.size());
                    meta.put("steps", s.steps());
                    meta.put("max_sequence_length", s.maxSequenceLength());
                    meta.put("guidance", s.guidance());
                    meta.put("model", model);
                    meta.put("precision", precision.label());
                    meta.put("device", device.name());
                    meta.put("latency_ms", ms);
                    meta.put("weight_bytes", weightBytes);
                    meta.put("activation_bytes", activationBytes);
                    meta.put("device_bytes", deviceBytes);
                    meta.put("host_peak_rss_bytes", peakRss);
                    Files.writeString(sidecar(dir, i), BenchReport.MAPPER.writeValueAsString(meta) + "\n");
                    images.set(i, new Generated(i, prompts.get(i), seed, png(dir, i), ms, false));
                    progress.advance(1, role + " image " + (i + 1) + "/" + prompts.size());
                }
            }
        }
        return new ModelRun(role, modelDir, precision, ex.device().name(), images, weightBytes, activationBytes,
                deviceBytes, peakRss, missing.size());
    }

    static Path png(Path dir, int i) {
        return dir.resolve(String.format(Locale.ROOT, "%04d.png", i));
    }

    static Path sidecar(Path dir, int i) {
        return dir.resolve(String.format(Locale.ROOT, "%04d.json", i));
    }

    private static ObjectNode readSidecar(Path p) {
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try {
            JsonNode n = BenchReport.MAPPER.readTree(p.toFile());
            return n instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            return null; // unreadable: regenerate
        }
    }

    private static boolean matches(ObjectNode m, String prompt, long seed, Settings s, String model) {
        return Objects.equals(m.path("prompt").asText(null), prompt) && m.path("seed").asLong() == seed
                && m.path("size").asInt() == s.size() && m.path("steps").asInt() == s.steps()
                && m.path("max_sequence_length").asInt() == s.maxSequenceLength()
                && (float) m.path("guidance").asDouble() == s.guidance()
                && Objects.equals(m.path("model").asText(null), model);
    }

    /** A pipeline's image [1, H, W, C] in [0, 1] → a [C, H, W] image. */
    static ChwImage nhwcToChw(dev.nibble.engine.tensor.Tensor t) {
        int h = t.shape().dim(1);
        int w = t.shape().dim(2);
        int c = t.shape().dim(3);
        float[] in = t.toFloatArray();
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
}
