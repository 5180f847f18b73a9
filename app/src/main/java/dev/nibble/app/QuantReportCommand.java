package dev.nibble.app;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.app.generate.BuiltInModel;
import dev.nibble.app.generate.ModelInfo;
import dev.nibble.app.quantize.CalibrationOptions;
import dev.nibble.app.quantize.QuantReport;
import dev.nibble.quantizer.calibration.CalibrationSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code nibble quant-report}: per-layer and model-level error of a quantised folder against its original
 * ({@link QuantReport}); a table on stdout, or one JSON object with --json; progress on stderr.
 */
@Command(name = "quant-report", sortOptions = false, mixinStandardHelpOptions = true, usageHelpWidth = 100,
        description = {"Measure what SVDQuant costs: per-layer error on held-out calibration rows (naive W4A4, "
                + "smoothing only, low-rank only, SVDQuant), weight bytes, and the end-to-end error of the denoiser "
                + "outputs and images.",
                "%nExample: nibble quant-report --model " + BuiltInModel.NAME + " --quantized models/nibble-shapes-svdq"})
final class QuantReportCommand implements Callable<Integer> {
    /** Report rows come from other noise than the quantiser's (seed 0 upwards). */
    static final long LAYER_SEED = 1000;
    static final long MODEL_SEED = 2000;
    static final int DEFAULT_LAYER_PROMPTS = 8;

    @Option(names = "--model", required = true, paramLabel = "DIR|" + BuiltInModel.NAME,
            description = "The 16/32-bit original.")
    String model;

    @Option(names = "--quantized", required = true, paramLabel = "DIR", description = "Its quantised folder.")
    String quantized;

    @Mixin
    CalibrationOptions calibration;

    @Option(names = "--model-prompts", paramLabel = "N", defaultValue = "3",
            description = "Prompts both pipelines run for the model-level comparison (0: skip). Default: ${DEFAULT-VALUE}.")
    int modelPrompts;

    @Option(names = "--no-layers", description = "Skip the per-layer table (and its calibration run).")
    boolean noLayers;

    @Option(names = "--backend", defaultValue = "auto", description = "Backend to run on. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() {
        ModelInfo original = ModelInfo.resolve(model);
        ModelInfo q = ModelInfo.resolve(quantized);
        if (calibration.limit == null) {
            calibration.limit = DEFAULT_LAYER_PROMPTS;
        }
        if (modelPrompts < 0) {
            throw new BadInputException("--model-prompts must be >= 0, got " + modelPrompts);
        }
        CalibrationSettings settings = calibration.settings(original, LAYER_SEED);
        List<String> prompts = settings.prompts().subList(0, Math.min(modelPrompts, settings.prompts().size()));
        QuantReport.Report r = QuantReport.run(original, q, noLayers ? null : settings, prompts,
                calibration.seed != null ? calibration.seed + (MODEL_SEED - LAYER_SEED) : MODEL_SEED,
                QuantizeCommand.executor(backend), System.err);
        if (json) {
            JsonOutput.print(json(r));
        } else {
            System.out.print(table(r));
        }
        return NibbleCli.EXIT_OK;
    }

    static ObjectNode json(QuantReport.Report r) {
        ObjectNode root = JsonOutput.object();
        root.put("model", r.model());
        root.put("quantized", r.quantized());
        root.put("denoiser", r.denoiser());
        root.put("calibration_prompts", r.calibration());
        ObjectNode bytes = root.putObject("weight_bytes");
        bytes.put("before", r.denoiserBytesBefore());
        bytes.put("after", r.denoiserBytesAfter());
        ObjectNode s = root.putObject("layer_summary");
        s.put("layers", r.layers().size());
        s.put("svdq_le_smooth_only", r.svdqLeSmooth());
        s.put("svdq_lt_naive", r.svdqLtNaive());
        s.put("mean_naive_w4a4", r.mean(QuantReport.LayerRow::naive));
        s.put("mean_smooth_only", r.mean(QuantReport.LayerRow::smoothOnly));
        s.put("mean_low_rank_only", r.mean(QuantReport.LayerRow::lowRankOnly));
        s.put("mean_svdq", r.mean(QuantReport.LayerRow::svdqStored));
        ArrayNode layers = root.putArray("layers");
        for (QuantReport.LayerRow l : r.layers()) {
            ObjectNode o = layers.addObject();
            o.put("path", l.path());
            o.put("n", l.n());
            o.put("k", l.k());
            o.put("kp", l.kp());
            o.put("rank", l.rank());
            o.put("alpha", l.alpha());
            o.put("err_naive_w4a4", l.naive());
            o.put("err_smooth_only", l.smoothOnly());
            o.put("err_low_rank_only", l.lowRankOnly());
            o.put("err_svdq", l.svdqStored());
            o.put("err_svdq_refit", l.svdqRefit());
            o.put("held_out_rows", l.heldOutRows());
            o.put("weight_only", l.weightOnly());
            o.put("bytes_before", l.bytesBefore());
            o.put("bytes_after", l.bytesAfter());
        }
        ObjectNode m = root.putObject("model_level");
        m.put("width", r.width());
        m.put("height", r.height());
        m.put("steps", r.steps());
        m.put("mean_first_step_denoiser_rel_l2", r.meanPrompt(QuantReport.PromptRow::firstStepDenoiserRelL2));
        m.put("mean_step_denoiser_rel_l2", r.meanPrompt(QuantReport.PromptRow::meanStepRelL2));
        m.put("mean_latents_rel_l2", r.meanPrompt(QuantReport.PromptRow::latentsRelL2));
        m.put("mean_image_rel_l2", r.meanPrompt(QuantReport.PromptRow::imageRelL2));
        m.put("mean_image_psnr_db", r.meanPrompt(QuantReport.PromptRow::imagePsnrDb));
        ArrayNode ps = m.putArray("prompts");
        for (QuantReport.PromptRow p : r.prompts()) {
            ObjectNode o = ps.addObject();
            o.put("prompt", p.prompt());
            o.put("seed", p.seed());
            o.put("first_step_denoiser_rel_l2", p.firstStepDenoiserRelL2());
            ArrayNode st = o.putArray("step_denoiser_rel_l2");
            for (double v : p.stepDenoiserRelL2()) {
                st.add(v);
            }
            o.put("latents_rel_l2", p.latentsRelL2());
            o.put("image_rel_l2", p.imageRelL2());
            o.put("image_psnr_db", p.imagePsnrDb());
        }
        return root;
    }

    static String table(QuantReport.Report r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "quant-report: %s vs %s (%s)%n", r.quantized(), r.model(), r.denoiser()));
        if (!r.layers().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nper layer: relative output error on held-out calibration rows "
                    + "(prompts: %s)%n", r.calibration()));
            String fmt = "%-52s %11s %8s %8s %8s %8s %8s  %s%n";
            sb.append(String.format(Locale.ROOT, fmt, "layer", "N x K", "naive", "smooth", "lowrank", "svdq", "refit",
                    "bytes before -> after"));
            for (QuantReport.LayerRow l : r.layers()) {
                sb.append(String.format(Locale.ROOT, fmt, l.path(), l.n() + "x" + l.k(), f(l.naive()), f(l.smoothOnly()),
                        f(l.lowRankOnly()), f(l.svdqStored()), f(l.svdqRefit()), l.bytesBefore() + " -> " + l.bytesAfter()));
            }
            sb.append(String.format(Locale.ROOT, fmt, "mean", "", f(r.mean(QuantReport.LayerRow::naive)),
                    f(r.mean(QuantReport.LayerRow::smoothOnly)), f(r.mean(QuantReport.LayerRow::lowRankOnly)),
                    f(r.mean(QuantReport.LayerRow::svdqStored)), f(r.mean(QuantReport.LayerRow::svdqRefit)), ""));
            sb.append(String.format(Locale.ROOT, "svdq <= smoothing-only on %d of %d layers, < naive on %d of %d%n",
                    r.svdqLeSmooth(), r.layers().size(), r.svdqLtNaive(), r.layers().size()));
        }
        sb.append(String.format(Locale.ROOT, "%nweights: %s %.2f MiB -> %.2f MiB (%.2fx smaller)%n", r.denoiser(),
                r.denoiserBytesBefore() / 1048576.0, r.denoiserBytesAfter() / 1048576.0,
                r.denoiserBytesBefore() / (double) r.denoiserBytesAfter()));
        if (!r.prompts().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nmodel level (%dx%d, %d steps, same seeds): relative L2 of the "
                    + "quantised model's outputs against the original's%n", r.width(), r.height(), r.steps()));
            String fmt = "%-60s %10s %10s %10s %10s %10s%n";
            sb.append(String.format(Locale.ROOT, fmt, "prompt", "step 1", "all steps", "latents", "image", "PSNR dB"));
            for (QuantReport.PromptRow p : r.prompts()) {
                String name = p.prompt().length() > 58 ? p.prompt().substring(0, 55) + "..." : p.prompt();
                sb.append(String.format(Locale.ROOT, fmt, name, f(p.firstStepDenoiserRelL2()), f(p.meanStepRelL2()),
                        f(p.latentsRelL2()), f(p.imageRelL2()), String.format(Locale.ROOT, "%.2f", p.imagePsnrDb())));
            }
            sb.append(String.format(Locale.ROOT, fmt, "mean", f(r.meanPrompt(QuantReport.PromptRow::firstStepDenoiserRelL2)),
                    f(r.meanPrompt(QuantReport.PromptRow::meanStepRelL2)), f(r.meanPrompt(QuantReport.PromptRow::latentsRelL2)),
                    f(r.meanPrompt(QuantReport.PromptRow::imageRelL2)),
                    String.format(Locale.ROOT, "%.2f", r.meanPrompt(QuantReport.PromptRow::imagePsnrDb))));
            sb.append("(step 1: identical inputs; later steps follow each model's own trajectory)\n");
        }
        return sb.toString();
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
