package dev.nibble.bench.compare;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.bench.metrics.FidInception;
import dev.nibble.bench.metrics.FidReferenceSet;
import dev.nibble.bench.metrics.FrechetDistance;
import dev.nibble.bench.metrics.PerceptualDistance;
import dev.nibble.bench.metrics.PromptImageScore;
import dev.nibble.bench.metrics.Psnr;
import dev.nibble.bench.metrics.Ssim;
import dev.nibble.bench.metrics.Summary;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.ImageIo;
import dev.nibble.models.common.image.PixelRange;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The SVDQuant paper's comparison for one model pair: the quantised model's images against the
 * reference model's images of the same prompts and seeds (PSNR and SSIM always; LPIPS and FID when their
 * networks are given), with latency and memory of both, as a Markdown table and one JSON object. FID is the
 * Fréchet distance between the Inception-v3 pool3 features of the quantised set and of the reference set.
 * ImageReward and the CLIP score (when their models are given) are not comparisons: each set's images are
 * scored against their own prompts, so both rows get one. Metrics are computed on the stored 8-bit PNGs in [0, 1] (data
 * range 1).
 */
public final class EvalReport {
    /** The prompt-image metrics, in the table's column order. */
    public static final List<String> PROMPT_METRICS = List.of("ImageReward", "CLIP score");

    /**
     * Per-image similarity of the quantised image to the reference one, and each prompt-image metric of the
     * two against the prompt (metric → {reference, quantised}; absent when not computed).
     */
    public record ImageScore(int index, String prompt, long seed, double psnr, double ssim, Double lpips,
                             Map<String, double[]> promptScores) {
        public ImageScore {
            promptScores = Map.copyOf(promptScores);
        }
    }

    /** A prompt-image metric's network, or null with the reason it is absent. */
    public record PromptMetric(PromptImageScore network, String missing) {
    }

    /**
     * The networks behind the metrics that need weights; each null when not available, with the reason.
     *
     * @param prompt       metric name ({@link #PROMPT_METRICS}) → its network or why it is absent; a metric not
     *                     in the map is reported as not given
     * @param fidReference statistics of a folder of (real) images each set's FID is also measured against, or
     *                     null
     */
    public record Networks(PerceptualDistance lpips, String lpipsMissing, FidInception fid, String fidMissing,
                           Map<String, PromptMetric> prompt, FidReferenceSet fidReference) {
        public Networks {
            prompt = Map.copyOf(prompt);
        }

        public Networks(PerceptualDistance lpips, String lpipsMissing, FidInception fid, String fidMissing,
                        Map<String, PromptMetric> prompt) {
            this(lpips, lpipsMissing, fid, fidMissing, prompt, null);
        }

        /** None of the networks, for {@code why}. */
        public static Networks none(String why) {
            Map<String, PromptMetric> absent = new LinkedHashMap<>();
            PROMPT_METRICS.forEach(m -> absent.put(m, new PromptMetric(null, why)));
            return new Networks(null, why, null, why, absent);
        }

        PromptMetric promptMetric(String metric) {
            return prompt.getOrDefault(metric, new PromptMetric(null, "not given"));
        }
    }

    private final EvalSession.ModelRun reference;
    private final EvalSession.ModelRun quantized;
    private final List<ImageScore> scores;
    private final Map<String, Summary> summaries;
    /** metric → role → summary of that set's scores. */
    private final Map<String, Map<String, Summary>> prompt;
    /** metric → (definition, model) lines of the metrics that were computed. */
    private final Map<String, String[]> promptNotes;
    /** Each set's FID against the reference image folder (role → summary), empty without one. */
    private final Map<String, Summary> fidVsSet;
    private final FidReferenceSet fidSet;
    private final EvalSession.Settings settings;

    private EvalReport(EvalSession.ModelRun reference, EvalSession.ModelRun quantized, List<ImageScore> scores,
                       Map<String, Summary> summaries, Map<String, Map<String, Summary>> prompt,
                       Map<String, String[]> promptNotes, Map<String, Summary> fidVsSet, FidReferenceSet fidSet,
                       EvalSession.Settings settings) {
        this.reference = reference;
        this.quantized = quantized;
        this.scores = List.copyOf(scores);
        this.summaries = summaries;
        this.prompt = prompt;
        this.promptNotes = promptNotes;
        this.fidVsSet = fidVsSet;
        this.fidSet = fidSet;
        this.settings = settings;
    }

    /**
     * Scores every image pair.
     *
     * @param networks LPIPS, FID, ImageReward and CLIP networks, each possibly absent
     */
    public static EvalReport compute(EvalSession.ModelRun reference, EvalSession.ModelRun quantized,
                                     EvalSession.Settings settings, Networks networks, Progress progress) {
        PerceptualDistance lpips = networks.lpips();
        FidInception fid = networks.fid();
        int n = Math.min(reference.images().size(), quantized.images().size());
        List<ImageScore> scores = new ArrayList<>(n);
        double[] psnr = new double[n];
        double[] ssim = new double[n];
        double[] lp = new double[n];
        Map<String, double[][]> promptValues = new LinkedHashMap<>(); // metric → {reference[], quantised[]}
        for (String metric : PROMPT_METRICS) {
            if (networks.promptMetric(metric).network() != null) {
                promptValues.put(metric, new double[2][n]);
            }
        }
        float[][] refFeatures = new float[n][];
        float[][] quantFeatures = new float[n][];
        for (int i = 0; i < n; i++) {
            EvalSession.Generated r = reference.images().get(i);
            EvalSession.Generated q = quantized.images().get(i);
            ChwImage a = unit(ImageIo.readRgb(r.png()));
            ChwImage b = unit(ImageIo.readRgb(q.png()));
            psnr[i] = Psnr.of(a, b, PixelRange.UNIT);
            ssim[i] = Ssim.of(a, b, PixelRange.UNIT);
            Double l = null;
            if (lpips != null) {
                l = lpips.distance(a, b, PixelRange.UNIT);
                lp[i] = l;
            }
            if (fid != null) {
                float[][] f = fid.features(List.of(a, b), PixelRange.UNIT);
                refFeatures[i] = f[0];
                quantFeatures[i] = f[1];
            }
            Map<String, double[]> perImage = new LinkedHashMap<>();
            for (var e : promptValues.entrySet()) {
                PromptImageScore net = networks.promptMetric(e.getKey()).network();
                double[] c = net.scores(List.of(a, b), List.of(r.prompt(), q.prompt()), PixelRange.UNIT);
                e.getValue()[0][i] = c[0];
                e.getValue()[1][i] = c[1];
                perImage.put(e.getKey(), c);
            }
            scores.add(new ImageScore(i, r.prompt(), r.seed(), psnr[i], ssim[i], l, perImage));
            progress.advance(1, "metrics " + (i + 1) + "/" + n);
        }
        Map<String, Summary> sums = new LinkedHashMap<>();
        sums.put("PSNR", Summary.of("PSNR", psnr));
        sums.put("SSIM", Summary.of("SSIM", ssim));
        sums.put("LPIPS", lpips != null ? Summary.of(lpips.name(), lp)
                : Summary.notComputed("LPIPS", networks.lpipsMissing()));
        sums.put("FID", fid(fid, networks.fidMissing(), refFeatures, quantFeatures));
        Map<String, Map<String, Summary>> prompt = new LinkedHashMap<>();
        Map<String, String[]> notes = new LinkedHashMap<>();
        for (String metric : PROMPT_METRICS) {
            PromptMetric pm = networks.promptMetric(metric);
            double[][] v = promptValues.get(metric);
            Map<String, Summary> byRole = new LinkedHashMap<>();
            byRole.put(reference.role(), v != null ? Summary.of(metric, v[0]) : Summary.notComputed(metric, pm.missing()));
            byRole.put(quantized.role(), v != null ? Summary.of(metric, v[1]) : Summary.notComputed(metric, pm.missing()));
            prompt.put(metric, byRole);
            if (v != null) {
                notes.put(metric, new String[] {pm.network().definition(), pm.network().describe()});
            }
        }
        Map<String, Summary> vsSet = new LinkedHashMap<>();
        FidReferenceSet set = networks.fidReference();
        if (set != null && fid != null && n >= 2) {
            vsSet.put(reference.role(), Summary.single("FID", set.distance(refFeatures).distance(), n));
            vsSet.put(quantized.role(), Summary.single("FID", set.distance(quantFeatures).distance(), n));
        }
        return new EvalReport(reference, quantized, scores, sums, prompt, notes, vsSet, set, settings);
    }

    private static Summary fid(FidInception net, String missing, float[][] ref, float[][] quant) {
        if (net == null) {
            return Summary.notComputed("FID", missing);
        }
        if (ref.length < 2) {
            return Summary.notComputed("FID", "needs at least 2 images per set, got " + ref.length);
        }
        FrechetDistance.Result r = FrechetDistance.compute(quant, ref);
        return Summary.single("FID", r.distance(), ref.length);
    }

    /** ImageIo reads [−1, 1]; the metrics here use [0, 1]. */
    private static ChwImage unit(ChwImage signed) {
        float[] d = signed.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i] / 2f + 0.5f;
        }
        return new ChwImage(signed.channels(), signed.height(), signed.width(), out);
    }

    public List<ImageScore> scores() {
        return scores;
    }

    public Summary summary(String metric) {
        return summaries.get(metric);
    }

    /** One set's FID against the reference image folder, or null when no folder was given. */
    public Summary fidVsReferenceSet(String role) {
        return fidVsSet.get(role);
    }

    /**
     * A prompt-image metric of one set's images against their prompts: mean ± sample std over the images.
     *
     * @param metric one of {@link #PROMPT_METRICS}
     * @param role   {@link EvalSession#REFERENCE} or {@link EvalSession#QUANTIZED}
     */
    public Summary promptScore(String metric, String role) {
        Map<String, Summary> byRole = prompt.get(metric);
        if (byRole == null || !byRole.containsKey(role)) {
            throw new IllegalArgumentException("no " + metric + " for '" + role + "'; metrics " + prompt.keySet()
                    + ", runs " + List.of(reference.role(), quantized.role()));
        }
        return byRole.get(role);
    }

    /** The paper-style table, with the metrics that could not be computed and why listed below it. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d images, %dx%d, %d steps, seeds %d..%d, compared with the reference model's images.%n%n",
                scores.size(), settings.size(), settings.size(), settings.steps(), settings.baseSeed(),
                settings.baseSeed() + Math.max(0, scores.size() - 1)));
        boolean vsSet = !fidVsSet.isEmpty();
        sb.append("| model | precision | images | PSNR (dB) ↑ | SSIM ↑ | LPIPS ↓ | FID ↓ | ")
                .append(vsSet ? "FID vs " + fidSet.name() + " ↓ | " : "").append("ImageReward ↑ | CLIP score ↑ "
                + "| latency s/image (median) | denoiser weights | act. arena | device memory | host peak RSS |\n");
        sb.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ").append(vsSet ? "---: | " : "")
                .append("---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (EvalSession.ModelRun run : List.of(reference, quantized)) {
            boolean ref = run == reference;
            List<String> c = new ArrayList<>();
            c.add(run.name() + (ref ? " (reference)" : ""));
            c.add(run.precision().label());
            c.add(Integer.toString(run.images().size()));
            c.add(ref ? "—" : cell(summaries.get("PSNR"), "%.2f"));
            c.add(ref ? "—" : cell(summaries.get("SSIM"), "%.4f"));
            c.add(ref ? "—" : cell(summaries.get("LPIPS"), "%.4f"));
            c.add(ref ? "—" : cell(summaries.get("FID"), "%.2f"));
            if (vsSet) {
                c.add(cell(fidVsSet.get(run.role()), "%.2f"));
            }
            for (String metric : PROMPT_METRICS) {
                c.add(cell(prompt.get(metric).get(run.role()), "%.2f"));
            }
            c.add(String.format(Locale.ROOT, "%.3f", run.medianLatencyMs() / 1000));
            c.add(BenchReport.bytes(run.weightBytes()));
            c.add(BenchReport.bytes(run.activationBytes()));
            c.add(BenchReport.bytes(run.deviceBytes()));
            c.add(BenchReport.bytes(run.hostPeakRssBytes()));
            sb.append("| ").append(String.join(" | ", c)).append(" |\n");
        }
        sb.append('\n');
        Summary lp = summaries.get("LPIPS");
        if (!lp.computed()) {
            sb.append("LPIPS n/c: ").append(lp.reason()).append(".\n");
        }
        Summary fd = summaries.get("FID");
        if (!fd.computed()) {
            sb.append("FID n/c: ").append(fd.reason()).append(".\n");
        } else {
            sb.append("FID: Fréchet distance between the Inception-v3 pool3 features of the quantised and the reference "
                    + "images (").append(fd.count()).append(" each); with fewer images than 2048 features the estimate is "
                    + "biased upward, so compare FIDs of the same image count only.\n");
        }
        if (vsSet) {
            sb.append("FID vs ").append(fidSet.name()).append(": each set's images against the ").append(fidSet.images())
                    .append(" images of that folder (its Inception statistics), the paper's quality FID.\n");
        }
        for (String metric : PROMPT_METRICS) {
            Summary ps = prompt.get(metric).get(reference.role());
            String[] note = promptNotes.get(metric);
            if (note == null) {
                sb.append(metric).append(" n/c: ").append(ps.reason()).append(".\n");
            } else {
                sb.append(metric).append(": ").append(note[0]).append("; each set's images against their own prompts, "
                        + "mean ± sample std. Model: ").append(note[1]).append(".\n");
            }
        }
        sb.append("PSNR/SSIM: mean ± sample std over the images (SSIM: Gaussian 11x11, σ=1.5, data range 1, per channel). "
                + "Latency: the pipeline's total per image (text encoders, steps, VAE decode); the first image of a "
                + "run also compiles the graphs, hence the median. host peak RSS is cumulative over the process.\n");
        int reused = (reference.images().size() - reference.generated()) + (quantized.images().size() - quantized.generated());
        if (reused > 0) {
            sb.append(reused).append(" image(s) reused from an earlier run (their latency and memory are as recorded then).\n");
        }
        return sb.toString();
    }

    private static String cell(Summary s, String fmt) {
        if (s == null || !s.computed()) {
            return "n/c";
        }
        if (Double.isInfinite(s.mean())) {
            return "∞";
        }
        String m = String.format(Locale.ROOT, fmt, s.mean());
        return s.count() > 1 && s.min() != s.max() ? m + " ± " + String.format(Locale.ROOT, fmt, s.std()) : m;
    }

    /** One JSON object: settings, both models (latency in ms, memory in bytes), metric summaries, per-image scores. */
    public ObjectNode json() {
        ObjectNode root = BenchReport.MAPPER.createObjectNode();
        ObjectNode st = root.putObject("settings");
        st.put("size", settings.size());
        st.put("steps", settings.steps());
        st.put("max_sequence_length", settings.maxSequenceLength());
        st.put("guidance", settings.guidance());
        st.put("base_seed", settings.baseSeed());
        root.put("images", scores.size());
        ObjectNode models = root.putObject("models");
        for (EvalSession.ModelRun run : List.of(reference, quantized)) {
            ObjectNode m = models.putObject(run.role());
            m.put("name", run.name());
            m.put("dir", run.dir().toAbsolutePath().normalize().toString());
            m.put("precision", run.precision().label());
            m.put("device", run.device());
            m.put("images", run.images().size());
            m.put("generated_now", run.generated());
            m.put("median_latency_ms", run.medianLatencyMs());
            m.put("weight_bytes", run.weightBytes());
            m.put("activation_bytes", run.activationBytes());
            m.put("device_bytes", run.deviceBytes());
            m.put("host_peak_rss_bytes", run.hostPeakRssBytes());
        }
        ObjectNode metrics = root.putObject("metrics");
        for (var e : summaries.entrySet()) {
            ObjectNode o = metrics.putObject(e.getKey());
            Summary s = e.getValue();
            o.put("computed", s.computed());
            if (s.computed()) {
                putNumber(o, "mean", s.mean());
                putNumber(o, "std", s.std());
                putNumber(o, "min", s.min());
                putNumber(o, "max", s.max());
                o.put("count", s.count());
            } else {
                o.put("reason", s.reason());
            }
        }
        if (!fidVsSet.isEmpty()) {
            ObjectNode fj = metrics.putObject("FID vs reference set");
            fj.put("computed", true);
            fj.put("set", fidSet.name());
            fj.put("set_images", fidSet.images());
            fidVsSet.forEach((role, s) -> putNumber(fj, role, s.mean()));
        }
        for (String metric : PROMPT_METRICS) {
            ObjectNode pj = metrics.putObject(metric);
            String[] note = promptNotes.get(metric);
            pj.put("computed", note != null);
            if (note != null) {
                pj.put("definition", note[0]);
                pj.put("model", note[1]);
                for (var e : prompt.get(metric).entrySet()) {
                    ObjectNode o = pj.putObject(e.getKey());
                    Summary s = e.getValue();
                    putNumber(o, "mean", s.mean());
                    putNumber(o, "std", s.std());
                    putNumber(o, "min", s.min());
                    putNumber(o, "max", s.max());
                    o.put("count", s.count());
                }
            } else {
                pj.put("reason", prompt.get(metric).get(reference.role()).reason());
            }
        }
        ArrayNode per = root.putArray("per_image");
        for (ImageScore s : scores) {
            ObjectNode o = per.addObject();
            o.put("index", s.index());
            o.put("prompt", s.prompt());
            o.put("seed", s.seed());
            putNumber(o, "psnr", s.psnr());
            putNumber(o, "ssim", s.ssim());
            if (s.lpips() != null) {
                o.put("lpips", s.lpips());
            }
            for (var e : s.promptScores().entrySet()) {
                o.put(jsonKey(e.getKey()) + "_reference", e.getValue()[0]);
                o.put(jsonKey(e.getKey()) + "_quantized", e.getValue()[1]);
            }
        }
        return root;
    }

    /** "CLIP score" → clip_score, "ImageReward" → image_reward. */
    static String jsonKey(String metric) {
        return metric.replaceAll("([a-z])([A-Z])", "$1_$2").replace(' ', '_').toLowerCase(Locale.ROOT);
    }

    /** JSON has no infinity: identical images (PSNR ∞) are written as the string "Infinity". */
    private static void putNumber(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) {
            o.put(k, v);
        } else if (Double.isNaN(v)) {
            o.putNull(k);
        } else {
            o.put(k, v > 0 ? "Infinity" : "-Infinity");
        }
    }

    /** Writes eval.md, eval.json and per-image.csv into {@code dir}. */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        Path md = dir.resolve("eval.md");
        Files.writeString(md, markdown());
        out.add(md);
        Path js = dir.resolve("eval.json");
        try {
            Files.writeString(js, BenchReport.MAPPER.writeValueAsString(json()) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        out.add(js);
        StringBuilder csv = new StringBuilder("index,seed,prompt,psnr_db,ssim,lpips");
        for (String metric : PROMPT_METRICS) {
            csv.append(',').append(jsonKey(metric)).append("_reference,").append(jsonKey(metric)).append("_quantized");
        }
        csv.append('\n');
        for (ImageScore s : scores) {
            csv.append(s.index()).append(',').append(s.seed()).append(',').append(BenchReport.csvField(s.prompt()))
                    .append(',').append(s.psnr()).append(',').append(s.ssim()).append(',')
                    .append(s.lpips() == null ? "" : s.lpips().toString());
            for (String metric : PROMPT_METRICS) {
                double[] v = s.promptScores().get(metric);
                csv.append(',').append(v == null ? "" : Double.toString(v[0]))
                        .append(',').append(v == null ? "" : Double.toString(v[1]));
            }
            csv.append('\n');
        }
        Path c = dir.resolve("per-image.csv");
        Files.writeString(c, csv.toString());
        out.add(c);
        return out;
    }
}
