package dev.nibble.app.quantize;

import dev.nibble.app.BadInputException;
import dev.nibble.app.generate.ModelInfo;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.ModelIndex;
import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.flux.FluxPipeline;
import dev.nibble.models.flux.FluxRequest;
import dev.nibble.models.flux.FluxResult;
import dev.nibble.models.sdxl.SdxlRequest;
import dev.nibble.models.sdxl.SdxlResult;
import dev.nibble.models.sdxl.StableDiffusionXLPipeline;
import dev.nibble.quantizer.CalibrationSource;
import dev.nibble.quantizer.DTypes;
import dev.nibble.quantizer.GroupQuantizer;
import dev.nibble.quantizer.LayerCalibration;
import dev.nibble.quantizer.LayerReport;
import dev.nibble.quantizer.LowRank;
import dev.nibble.quantizer.QuantizeTarget;
import dev.nibble.quantizer.SvdqFormat;
import dev.nibble.quantizer.SvdqLayerQuantizer;
import dev.nibble.quantizer.SvdqOptions;
import dev.nibble.quantizer.calibration.CalibrationSettings;
import dev.nibble.quantizer.calibration.PipelineCalibrator;
import dev.nibble.quantizer.rules.QuantizeRules;

import java.io.PrintStream;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code nibble quant-report}: how much a quantised folder loses against its 16/32-bit original.
 *
 * <p>Per layer: fresh calibration rows are recorded from the original pipeline (prompts and noise seeds other
 * than the quantiser's defaults, so the rows are held out from the quantised result), the original weight is
 * re-quantised on them to measure (a) naive W4A4 round-to-nearest, (b) smoothing only, (c) low-rank only, and
 * the stored layer itself (d, SVDQuant as shipped) is run on the same held-out quarter of the rows; all as
 * ‖Y_q − Y‖/‖Y‖ with the reference SVDQ arithmetic. Weight bytes before/after per layer and per component.
 *
 * <p>Model level: both pipelines run the same prompts with the same seeds (hence the same initial latents);
 * the denoiser output of the first step (identical inputs), every step's denoiser output (free-running
 * trajectories), the final latents and the images are compared (relative L2; PSNR for the images).
 */
public final class QuantReport {
    private QuantReport() {
    }

    /**
     * One layer. {@code svdqRefit} is the re-quantisation on the report's rows (what the quantiser would have
     * stored had it seen them); {@code svdqStored} is the shipped layer.
     */
    public record LayerRow(String path, int n, int k, int kp, int rank, double alpha, double naive, double smoothOnly,
                           double lowRankOnly, double svdqRefit, double svdqStored, int heldOutRows, boolean weightOnly,
                           long bytesBefore, long bytesAfter) {
        /** The stored layer is no worse than smoothing alone. */
        public boolean svdqLeSmooth() {
            return svdqStored <= smoothOnly;
        }

        public boolean svdqLtNaive() {
            return svdqStored < naive;
        }
    }

    /** One prompt run through both pipelines. */
    public record PromptRow(String prompt, long seed, double firstStepDenoiserRelL2, double[] stepDenoiserRelL2,
                            double latentsRelL2, double imageRelL2, double imagePsnrDb) {
        public double meanStepRelL2() {
            return java.util.Arrays.stream(stepDenoiserRelL2).average().orElse(Double.NaN);
        }

        public double maxStepRelL2() {
            return java.util.Arrays.stream(stepDenoiserRelL2).max().orElse(Double.NaN);
        }
    }

    public record Report(String model, String quantized, String denoiser, String calibration, List<LayerRow> layers,
                         long denoiserBytesBefore, long denoiserBytesAfter, List<PromptRow> prompts, int width,
                         int height, int steps) {
        public long svdqLeSmooth() {
            return layers.stream().filter(LayerRow::svdqLeSmooth).count();
        }

        public long svdqLtNaive() {
            return layers.stream().filter(LayerRow::svdqLtNaive).count();
        }

        public double mean(java.util.function.ToDoubleFunction<LayerRow> f) {
            return layers.stream().mapToDouble(f).average().orElse(Double.NaN);
        }

        public double meanPrompt(java.util.function.ToDoubleFunction<PromptRow> f) {
            return prompts.stream().mapToDouble(f).average().orElse(Double.NaN);
        }
    }

    /**
     * @param layerCalibration rows for the per-layer table (null: skip it)
     * @param modelPrompts     prompts for the model-level comparison (empty: skip it), seeds {@code seed + i}
     */
    public static Report run(ModelInfo original, ModelInfo quantized, CalibrationSettings layerCalibration,
                             List<String> modelPrompts, long seed, Executor ex, PrintStream progress) {
        if (original.quantized()) {
            throw new BadInputException("--model " + original.name() + " is itself quantised; pass the 16/32-bit original");
        }
        if (!quantized.quantized()) {
            throw new BadInputException("--quantized " + quantized.name() + " holds no SVDQ layers (*.qweight)");
        }
        if (original.family() != quantized.family()) {
            throw new BadInputException("--model is " + original.pipelineClass() + " but --quantized is "
                    + quantized.pipelineClass());
        }
        String denoiser = original.family().denoiser();
        List<LayerRow> layers = layerCalibration == null ? List.of()
                : layers(original, quantized, denoiser, layerCalibration, ex, progress);
        int width = layerCalibration != null ? layerCalibration.width() : original.defaultWidth();
        int height = layerCalibration != null ? layerCalibration.height() : original.defaultHeight();
        int steps = layerCalibration != null ? layerCalibration.steps() : original.defaultSteps();
        int seq = layerCalibration != null ? layerCalibration.maxSequenceLength() : original.maxSequenceLength();
        Float guidance = layerCalibration != null ? layerCalibration.guidance()
                : original.guidanceUsed() ? original.defaultGuidance() : null;
        List<PromptRow> prompts = modelPrompts.isEmpty() ? List.of()
                : modelLevel(original, quantized, modelPrompts, seed, width, height, steps, seq, guidance, ex, progress);
        return new Report(original.folder().toString(), quantized.folder().toString(), denoiser,
                layerCalibration == null ? "" : layerCalibration.promptSource(), layers,
                Quantization.safetensorsBytes(original.folder().resolve(denoiser)),
                Quantization.safetensorsBytes(quantized.folder().resolve(denoiser)), prompts, width, height, steps);
    }

    private static List<LayerRow> layers(ModelInfo original, ModelInfo quantized, String denoiser,
                                         CalibrationSettings settings, Executor ex, PrintStream progress) {
        QuantizeTarget rule = QuantizeRules.forModel(ModelIndex.read(original.folder()));
        CalibrationSource cal = PipelineCalibrator.run(original.folder(), rule, ex, settings, progress).calibration();
        List<LayerRow> rows = new ArrayList<>();
        try (SafetensorsStore fp = SafetensorsStore.open(original.folder().resolve(denoiser));
             SafetensorsStore q = SafetensorsStore.open(quantized.folder().resolve(denoiser))) {
            Map<String, String> meta = q.metadata();
            int group = Integer.parseInt(meta.getOrDefault(SvdqFormat.KEY_GROUP_SIZE, "" + SvdqFormat.DEFAULT_GROUP_SIZE));
            List<String> paths = q.names().stream().filter(n -> n.endsWith("." + SvdqFormat.QWEIGHT))
                    .map(n -> n.substring(0, n.length() - SvdqFormat.QWEIGHT.length() - 1)).sorted().toList();
            int i = 0;
            for (String p : paths) {
                i++;
                String wName = p + "." + SvdqFormat.WEIGHT;
                if (!fp.contains(wName)) {
                    throw new BadInputException(quantized.name() + " has SVDQ layer " + p + " but " + original.name()
                            + " has no " + wName + ": not its original");
                }
                Tensor w = fp.tensor(wName);
                int n = w.shape().dim(0);
                int k = w.shape().dim(1);
                float[] bias = fp.contains(p + ".bias") ? fp.tensor(p + ".bias").toFloatArray() : null;
                Tensor down = q.tensor(p + "." + SvdqFormat.PROJ_DOWN);
                int r = down.shape().dim(1);
                SvdqOptions opt = SvdqOptions.defaults().withRank(r).withGroupSize(group)
                        .withFloatType(down.dtype());
                LayerCalibration c = cal.forLayer(denoiser, p, k)
                        .orElseGet(() -> LayerCalibration.weightOnly(k, 64, p.hashCode()));
                double[] wd = DTypes.doubles(w);
                LayerReport refit = SvdqLayerQuantizer.quantize(p, wd, n, k, bias, c, opt).report();
                int count = c.count();
                int holdFrom = count < 4 ? 0 : count - Math.max(1, count / 4);
                float[] held = c.rows(holdFrom, count);
                int m = count - holdFrom;
                Tensor qw = q.tensor(p + "." + SvdqFormat.QWEIGHT);
                byte[] qbytes = qw.data().toArray(ValueLayout.JAVA_BYTE);
                Tensor ws = q.tensor(p + "." + SvdqFormat.WSCALES);
                int kp = qw.shape().dim(1) * 2;
                GroupQuantizer.Packed packed = new GroupQuantizer.Packed(qbytes, ws.toFloatArray(), n, k, kp, group);
                Tensor up = q.tensor(p + "." + SvdqFormat.PROJ_UP);
                Tensor smooth = q.tensor(p + "." + SvdqFormat.SMOOTH_FACTOR);
                LowRank.Factors f = new LowRank.Factors(down.toFloatArray(), up.toFloatArray(), r, new double[0]);
                float[] qBias = q.contains(p + ".bias") ? q.tensor(p + ".bias").toFloatArray() : null;
                float[] got = SvdqLayerQuantizer.forward(held, m, n, k, smooth.toFloatArray(), f, packed, qBias);
                double stored = SvdqLayerQuantizer.relativeError(got, dense(held, m, wd, n, k, bias));
                long after = qw.byteSize() + ws.byteSize() + smooth.byteSize() + down.byteSize() + up.byteSize();
                LayerRow row = new LayerRow(p, n, k, kp, r, refit.alpha(), refit.errNaive(), refit.errSmoothOnly(),
                        refit.errLowRankOnly(), refit.errSvdq(), stored, m, c.weightOnly(), w.byteSize(), after);
                rows.add(row);
                progress.printf(Locale.ROOT, "quant-report [%d/%d] %s: naive %.4f, smooth %.4f, low-rank %.4f, "
                                + "svdq %.4f (re-fit %.4f), %d held-out rows%n", i, paths.size(), p, row.naive(),
                        row.smoothOnly(), row.lowRankOnly(), row.svdqStored(), row.svdqRefit(), m);
            }
        }
        return rows;
    }

    private static double[] dense(float[] x, int m, double[] w, int n, int k, float[] bias) {
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int o = 0; o < n; o++) {
                double acc = bias == null ? 0 : bias[o];
                for (int c = 0; c < k; c++) {
                    acc += x[i * k + c] * w[o * k + c];
                }
                y[i * n + o] = acc;
            }
        }
        return y;
    }

    private record Run(List<Tensor> outputs, Tensor latents, Tensor image) {
    }

    private static List<PromptRow> modelLevel(ModelInfo original, ModelInfo quantized, List<String> prompts, long seed,
                                              int width, int height, int steps, int seq, Float guidance, Executor ex,
                                              PrintStream progress) {
        List<PromptRow> rows = new ArrayList<>();
        if (original.family() == ModelInfo.Family.FLUX) {
            try (FluxPipeline a = FluxPipeline.load(original.folder());
                 FluxPipeline b = FluxPipeline.load(quantized.folder())) {
                for (int i = 0; i < prompts.size(); i++) {
                    FluxRequest r = FluxRequest.of(prompts.get(i)).withSize(height, width).withSteps(steps)
                            .withSeed(seed + i).withMaxSequenceLength(seq);
                    if (guidance != null) {
                        r = r.withGuidance(guidance);
                    }
                    rows.add(compare(prompts.get(i), seed + i, flux(a, ex, r), flux(b, ex, r), progress));
                }
            }
        } else {
            try (StableDiffusionXLPipeline a = StableDiffusionXLPipeline.load(original.folder());
                 StableDiffusionXLPipeline b = StableDiffusionXLPipeline.load(quantized.folder())) {
                for (int i = 0; i < prompts.size(); i++) {
                    SdxlRequest.Builder r = SdxlRequest.builder(prompts.get(i)).size(height, width).steps(steps)
                            .seed(seed + i);
                    if (guidance != null) {
                        r.guidance(guidance);
                    }
                    SdxlRequest req = r.build();
                    rows.add(compare(prompts.get(i), seed + i, sdxl(a, ex, req), sdxl(b, ex, req), progress));
                }
            }
        }
        return rows;
    }

    private static Run flux(FluxPipeline p, Executor ex, FluxRequest r) {
        List<Tensor> outs = new ArrayList<>();
        FluxResult res = p.generate(ex, r, s -> outs.add(s.modelOutput()));
        return new Run(outs, res.latents(), res.image());
    }

    private static Run sdxl(StableDiffusionXLPipeline p, Executor ex, SdxlRequest r) {
        List<Tensor> outs = new ArrayList<>();
        SdxlResult res = p.generate(ex, r, s -> outs.add(s.modelOutput()));
        return new Run(outs, res.latents(), res.image());
    }

    private static PromptRow compare(String prompt, long seed, Run a, Run b, PrintStream progress) {
        double[] steps = new double[a.outputs.size()];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = relL2(b.outputs.get(i), a.outputs.get(i));
        }
        double image = relL2(b.image, a.image);
        PromptRow row = new PromptRow(prompt, seed, steps.length == 0 ? Double.NaN : steps[0], steps,
                relL2(b.latents, a.latents), image, psnr(b.image, a.image));
        progress.printf(Locale.ROOT, "quant-report model: \"%s\" seed %d: denoiser rel. L2 step 1 %.4f (identical "
                        + "inputs), mean over steps %.4f, max %.4f; final latents %.4f; image %.4f, PSNR %.2f dB%n",
                prompt, seed, row.firstStepDenoiserRelL2(), row.meanStepRelL2(), row.maxStepRelL2(),
                row.latentsRelL2(), row.imageRelL2(), row.imagePsnrDb());
        return row;
    }

    /** ‖got − want‖ / ‖want‖. */
    public static double relL2(Tensor got, Tensor want) {
        float[] g = got.toFloatArray();
        float[] w = want.toFloatArray();
        if (g.length != w.length) {
            throw new IllegalStateException("shapes differ: " + got.spec() + " vs " + want.spec());
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < g.length; i++) {
            double d = g[i] - (double) w[i];
            num += d * d;
            den += (double) w[i] * w[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /** PSNR in dB of two images with values in [0, 1] (infinite when identical). */
    public static double psnr(Tensor got, Tensor want) {
        float[] g = got.toFloatArray();
        float[] w = want.toFloatArray();
        double se = 0;
        for (int i = 0; i < g.length; i++) {
            double d = g[i] - (double) w[i];
            se += d * d;
        }
        double mse = se / g.length;
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(1.0 / mse);
    }
}
