package dev.nibble.app;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.app.generate.BuiltInModel;
import dev.nibble.app.generate.ModelInfo;
import dev.nibble.app.quantize.CalibrationOptions;
import dev.nibble.app.quantize.Quantization;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.tensor.DType;
import dev.nibble.quantizer.LayerReport;
import dev.nibble.quantizer.SvdqFormat;
import dev.nibble.quantizer.SvdqOptions;
import dev.nibble.quantizer.calibration.CalibrationSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code nibble quantize}: SVDQuant W4A4 of a FLUX or SDXL pipeline folder (DESIGN.md §3). Calibrates by running
 * the model's own 16-bit pipeline on a prompt set (every denoising step, the quantised linears' inputs recorded),
 * then quantises layer by layer with a progress line each on stderr. The output folder is written beside its
 * final place and moved there at the end: an interrupted or failed run leaves no output folder.
 */
@Command(name = "quantize", sortOptions = false, mixinStandardHelpOptions = true, usageHelpWidth = 100,
        description = {"Quantise a FLUX / SDXL pipeline folder to SVDQuant 4-bit (W4A4 + low-rank branch).",
                "%nExample: nibble quantize --model " + BuiltInModel.NAME + " --out shapes-int4 --calib-limit 16"})
final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR|" + BuiltInModel.NAME,
            description = "The 16/32-bit diffusers pipeline folder (FluxPipeline or StableDiffusionXLPipeline).")
    String model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The quantised folder to write (must not exist).")
    Path out;

    @Option(names = "--rank", paramLabel = "R", defaultValue = "" + SvdqFormat.DEFAULT_RANK,
            description = "Low-rank branch rank (capped per layer at min(N, K)). Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--group-size", paramLabel = "G", defaultValue = "" + SvdqFormat.DEFAULT_GROUP_SIZE,
            description = "Quantisation group along K (even; K is zero-padded to a multiple). Default: ${DEFAULT-VALUE}.")
    int groupSize;

    @Option(names = "--weight-only", description = "No calibration run: unit activation statistics and synthetic rows "
            + "(fast, lower quality; the report says so).")
    boolean weightOnly;

    @Option(names = "--float-type", paramLabel = "f32|bf16|f16", defaultValue = "bf16",
            description = "Type of wscales / smooth_factor / proj_down / proj_up. Default: ${DEFAULT-VALUE}.")
    String floatType;

    @Mixin
    CalibrationOptions calibration;

    @Option(names = "--backend", defaultValue = "auto",
            description = "Backend the calibration pipeline runs on. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--json", description = "Print one JSON object on stdout (per-layer errors, bytes, timings).")
    boolean json;

    @Override
    public Integer call() {
        ModelInfo info = ModelInfo.resolve(model);
        SvdqOptions opts = options(rank, groupSize, floatType);
        CalibrationSettings settings = weightOnly ? null : calibration.settings(info, 0L);
        Executor ex = weightOnly ? null : executor(backend);
        Thread hook = new Thread(Quantization.cleanupOnExit(out), "nibble-quantize-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        Quantization.Outcome o;
        try {
            o = Quantization.run(info, out, opts, settings, ex, System.err);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook runs
            }
        }
        System.err.println(o.summaryLine());
        if (json) {
            JsonOutput.print(json(info, o, opts));
        }
        return NibbleCli.EXIT_OK;
    }

    static SvdqOptions options(int rank, int groupSize, String floatType) {
        if (rank < 0) {
            throw new BadInputException("--rank must be >= 0, got " + rank);
        }
        if (groupSize <= 0 || groupSize % 2 != 0) {
            throw new BadInputException("--group-size must be positive and even, got " + groupSize);
        }
        DType ft = switch (floatType.toLowerCase(Locale.ROOT)) {
            case "f32", "fp32", "float32" -> DType.F32;
            case "bf16", "bfloat16" -> DType.BF16;
            case "f16", "fp16", "float16" -> DType.F16;
            default -> throw new BadInputException("--float-type must be f32, bf16 or f16, got '" + floatType + "'");
        };
        return SvdqOptions.defaults().withRank(rank).withGroupSize(groupSize).withFloatType(ft);
    }

    static Executor executor(String backend) {
        dev.nibble.engine.spi.Backends backends = dev.nibble.engine.spi.Backends.discover();
        dev.nibble.engine.spi.Device d = backends.selectDevice(backend);
        dev.nibble.engine.spi.Device cpu = backends.cpu();
        return new Executor(d, d == cpu ? null : cpu, dev.nibble.engine.exec.ExecutionOptions.DEFAULT);
    }

    private static ObjectNode json(ModelInfo info, Quantization.Outcome o, SvdqOptions opts) {
        ObjectNode root = JsonOutput.object();
        root.put("model", info.folder().toString());
        root.put("out", o.summary().out().toString());
        root.put("rule", o.summary().rule());
        root.put("calibration", o.summary().calibration());
        root.put("rank", opts.rank());
        root.put("group_size", opts.groupSize());
        root.put("float_type", opts.floatType().safetensorsName());
        root.put("layers_quantized", o.layers().size());
        root.put("svdq_le_smooth_layers", o.svdqBeatsSmoothing());
        root.put("svdq_lt_naive_layers", o.svdqBeatsNaive());
        ObjectNode bytes = root.putObject("weight_bytes");
        bytes.put(o.denoiser() + "_before", o.bytesBefore());
        bytes.put(o.denoiser() + "_after", o.bytesAfter());
        ObjectNode t = root.putObject("timings_ms");
        t.put("calibration", o.calibrationNanos() / 1e6);
        t.put("total", o.totalNanos() / 1e6);
        ArrayNode layers = root.putArray("layers");
        for (LayerReport r : o.layers()) {
            ObjectNode l = layers.addObject();
            l.put("path", r.path());
            l.put("n", r.n());
            l.put("k", r.k());
            l.put("kp", r.kp());
            l.put("rank", r.rank());
            l.put("alpha", r.alpha());
            l.put("err_naive_w4a4", r.errNaive());
            l.put("err_smooth_only", r.errSmoothOnly());
            l.put("err_low_rank_only", r.errLowRankOnly());
            l.put("err_svdq", r.errSvdq());
            l.put("held_out_rows", r.heldOutRows());
            l.put("weight_only", r.weightOnly());
        }
        return root;
    }
}
