package dev.nibble.app;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.app.generate.BuiltInModel;
import dev.nibble.app.generate.GenerationRequest;
import dev.nibble.app.generate.GenerationResult;
import dev.nibble.app.generate.GenerationService;
import dev.nibble.app.generate.ProgressBar;
import dev.nibble.models.common.pipeline.PipelineTimings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code nibble generate}: text-to-image, image-to-image and sketch-to-image through {@link GenerationService}.
 * Writes the PNG atomically; with --json prints one JSON object on stdout (timings in ms, memory in bytes);
 * progress, warnings and the human summary go to stderr.
 */
@Command(name = "generate", sortOptions = false, mixinStandardHelpOptions = true, usageHelpWidth = 100,
        description = {"Make an image from a prompt (optionally from an input image or a sketch).",
                BuiltInModel.HELP})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR|" + BuiltInModel.NAME,
            description = "A diffusers pipeline folder (FluxPipeline or StableDiffusionXLPipeline, fp32/bf16 weights or "
                    + "a folder written by `nibble quantize`), or " + BuiltInModel.NAME + " (default) for the built-in model.")
    String model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "What to draw (may be empty).")
    String prompt;

    @Option(names = "--negative-prompt", paramLabel = "TEXT", description = "What to avoid (SDXL only).")
    String negativePrompt;

    @Option(names = "--image", paramLabel = "IN.png", description = "Image-to-image: start from this image (resized).")
    Path image;

    @Option(names = "--strength", paramLabel = "S",
            description = "How much of --image/--sketch to redraw, in (0, 1]; 1 starts from pure noise. "
                    + "Default: FLUX 0.6, SDXL 0.3; sketches 0.8.")
    Double strength;

    @Option(names = "--sketch", paramLabel = "IN.png",
            description = "Sketch-to-image: a drawing (transparency flattened onto white, blurred, posterised, resized), "
                    + "then image-to-image.")
    Path sketch;

    @Option(names = "--steps", paramLabel = "N", description = "Denoising steps (default: the model's; built-in 20).")
    Integer steps;

    @Option(names = "--seed", paramLabel = "S", description = "Noise seed (default: random, printed).")
    Long seed;

    @Option(names = "--width", paramLabel = "W", description = "Image width (default: the model's; built-in 64).")
    Integer width;

    @Option(names = "--height", paramLabel = "H", description = "Image height (default: the model's; built-in 64).")
    Integer height;

    @Option(names = "--guidance", paramLabel = "G",
            description = "Guidance scale: FLUX.1-dev guidance embedding (default 3.5), SDXL classifier-free guidance "
                    + "(default 5); ignored by guidance-free models (schnell, the built-in).")
    Float guidance;

    @Mixin
    DeviceOptions device;

    @Option(names = "--lora", paramLabel = "FILE[:SCALE]",
            description = "Apply a LoRA (safetensors: diffusers/PEFT, older diffusers or kohya keys) to the transformer / "
                    + "U-Net at strength SCALE (default 1); repeatable. SVDQ int4 layers take it on their low-rank branch "
                    + "(the 4-bit weights are untouched), 16/32-bit layers get W + SCALE*B*A.")
    java.util.List<String> loras;

    @Option(names = "--out", paramLabel = "OUT.png", defaultValue = "out.png",
            description = "Where to write the PNG (atomically). Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--json", description = "Print one JSON object on stdout (out, model, backend, device, precision, "
            + "size, steps, seed, timings_ms, memory_bytes, weight_bytes).")
    boolean json;

    @Option(names = "--no-progress", description = "No per-step progress on stderr.")
    boolean noProgress;

    @Override
    public Integer call() throws IOException {
        Path target = out.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) {
            throw new BadInputException("--out " + out + " is a folder; give a file name such as " + out.resolve("out.png"));
        }
        Path existing = target.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            throw new BadInputException("--out " + out + ": cannot write there (" + existing + " is not a writable folder)");
        }
        GenerationRequest req = GenerationRequest.builder(prompt).model(model).negativePrompt(negativePrompt)
                .size(width, height).steps(steps).seed(seed).guidance(guidance).image(image).sketch(sketch)
                .strength(strength).backend(device.backend).strict(device.strict).precision(device.precision)
                .timing(device.timing).weightBudget(device.memoryBudgetBytes())
                .loras(dev.nibble.app.generate.LoraSpec.parseAll(loras)).build();
        PrintStream err = System.err;
        GenerationResult r;
        // the process-wide service: a CLI run loads once anyway; tests and the web demo reuse its pipelines
        r = GenerationService.shared().generate(req, ProgressBar.stderr(!noProgress));
        long s = System.nanoTime();
        r.writePng(target);
        long writeNanos = System.nanoTime() - s;
        if (json) {
            JsonOutput.print(json(r, target, writeNanos));
        } else {
            err.print(summary(r, target, writeNanos));
        }
        err.flush();
        return NibbleCli.EXIT_OK;
    }

    static ObjectNode json(GenerationResult r, Path out, long writeNanos) {
        ObjectNode root = JsonOutput.object();
        root.put("out", out.toString());
        root.put("model", r.model().name());
        root.put("model_path", r.model().folder().toString());
        root.put("pipeline", r.model().pipelineClass());
        root.put("mode", r.mode());
        root.put("backend", r.backend());
        root.put("device", r.device());
        root.put("precision", r.precision());
        root.put("width", r.width());
        root.put("height", r.height());
        root.put("size", r.width() + "x" + r.height());
        root.put("steps", r.steps());
        root.put("steps_run", r.stepsRun());
        root.put("seed", r.seed());
        if (r.guidance() != null) {
            root.put("guidance", r.guidance());
        } else {
            root.putNull("guidance");
        }
        if (r.strength() != null) {
            root.put("strength", r.strength());
        } else {
            root.putNull("strength");
        }
        root.put("max_sequence_length", r.maxSequenceLength());
        GenerationResult.Timings t = r.timings();
        PipelineTimings stages = t.pipeline();
        ObjectNode tm = root.putObject("timings_ms");
        tm.put("load", ms(t.load()));
        tm.put("prepare_image", ms(t.prepareImage()));
        tm.put("text_encode", ms(stages.textEncode()));
        tm.put("vae_encode", ms(stages.vaeEncode()));
        ArrayNode steps = tm.putArray("steps");
        for (long n : stages.steps()) {
            steps.add(ms(n));
        }
        tm.put("denoise", ms(stages.denoise()));
        tm.put("mean_step", ms(stages.meanStep()));
        tm.put("vae_decode", ms(stages.vaeDecode()));
        tm.put("write_png", ms(writeNanos));
        tm.put("total", ms(t.total() + writeNanos));
        GenerationResult.Memory m = r.memory();
        ObjectNode mem = root.putObject("memory_bytes");
        mem.put("device_high_water", m.deviceHighWaterBytes());
        mem.put("activation_arena", m.activationArenaBytes());
        mem.put("activation_peak_live", m.activationPeakLiveBytes());
        mem.put("host_peak_rss", m.hostPeakRssBytes());
        ObjectNode wb = root.putObject("weight_bytes");
        wb.put(r.model().family().denoiser(), m.denoiserWeightBytes());
        wb.put("total", m.totalWeightBytes());
        ArrayNode warnings = root.putArray("warnings");
        r.warnings().forEach(warnings::add);
        return root;
    }

    static String summary(GenerationResult r, Path out, long writeNanos) {
        GenerationResult.Timings t = r.timings();
        PipelineTimings stages = t.pipeline();
        GenerationResult.Memory m = r.memory();
        StringBuilder sb = new StringBuilder();
        String where = r.device().equals(r.backend()) ? r.backend() : r.backend() + " (" + r.device() + ")";
        sb.append(String.format(Locale.ROOT, "nibble: wrote %s (%dx%d, %s, %s, %s, %s, %d/%d steps, seed %d%s)%n",
                out, r.width(), r.height(), r.mode(), r.model().name(), where, r.precision(),
                r.stepsRun(), r.steps(), r.seed(), r.strength() == null ? "" : ", strength " + r.strength()));
        sb.append(String.format(Locale.ROOT, "  latency: load %s ms, %stext encode %s ms, %sdenoise %s ms (%s ms/step), "
                        + "vae decode %s ms, png %s ms; total %s ms%n",
                fmt(t.load()), t.prepareImage() > 0 ? "image " + fmt(t.prepareImage()) + " ms, " : "",
                fmt(stages.textEncode()),
                stages.vaeEncode() > 0 ? "vae encode " + fmt(stages.vaeEncode()) + " ms, " : "",
                fmt(stages.denoise()), fmt(stages.meanStep()), fmt(stages.vaeDecode()), fmt(writeNanos),
                fmt(t.total() + writeNanos)));
        sb.append(String.format(Locale.ROOT, "  memory: device high-water %s, activation arena %s (peak live %s), "
                        + "host peak RSS %s; weights %s %s, %s in all%n",
                mib(m.deviceHighWaterBytes()), mib(m.activationArenaBytes()), mib(m.activationPeakLiveBytes()),
                mib(m.hostPeakRssBytes()), r.model().family().denoiser(), mib(m.denoiserWeightBytes()),
                mib(m.totalWeightBytes())));
        return sb.toString();
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }

    private static String fmt(long nanos) {
        double v = nanos / 1e6;
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
