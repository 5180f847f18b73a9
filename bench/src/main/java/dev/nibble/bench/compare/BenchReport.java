package dev.nibble.bench.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of a benchmark run: its rows (with speedups against the baseline backend filled in), the
 * machine and the settings. Renders a Markdown table, CSV, one JSON object and PNG charts. JSON and CSV
 * give times in milliseconds and memory in bytes.
 */
public final class BenchReport {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final List<BenchRow> rows;
    private final String baseline;
    private final Map<String, Object> settings;
    private final Map<String, Object> machine;
    private final Instant started;
    private final double seconds;

    /**
     * @param baseline backend name whose rows the others are compared with, or null
     * @param settings what was asked for (shown in the JSON and under the table)
     * @param machine  where it ran
     */
    public BenchReport(List<BenchRow> rows, String baseline, Map<String, Object> settings, Map<String, Object> machine,
                       Instant started, double seconds) {
        this.baseline = baseline;
        this.rows = List.copyOf(withSpeedups(rows, baseline));
        this.settings = new LinkedHashMap<>(settings);
        this.machine = new LinkedHashMap<>(machine);
        this.started = started;
        this.seconds = seconds;
    }

    /** Each measured row's speedup: the baseline backend's median for the same workload over its own. */
    static List<BenchRow> withSpeedups(List<BenchRow> rows, String baseline) {
        if (baseline == null) {
            return rows;
        }
        Map<String, BenchRow> base = new LinkedHashMap<>();
        for (BenchRow r : rows) {
            if (r.ok() && r.backend().equals(baseline)) {
                base.putIfAbsent(r.workloadKey(), r);
            }
        }
        List<BenchRow> out = new ArrayList<>(rows.size());
        for (BenchRow r : rows) {
            BenchRow b = base.get(r.workloadKey());
            out.add(r.ok() && b != null ? r.withSpeedup(b.time().median() / r.time().median()) : r);
        }
        return out;
    }

    public List<BenchRow> rows() {
        return rows;
    }

    public String baseline() {
        return baseline;
    }

    public Instant started() {
        return started;
    }

    public double seconds() {
        return seconds;
    }

    // ---------------------------------------------------------------------------------------------- Markdown

    /** The Markdown table, with the reasons for unsupported or failed rows as numbered notes below it. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        List<String> header = new ArrayList<>(List.of("workload", "kind", "precision", "backend", "median ms",
                "min–max ms", "GFLOP/s", "weights", "act. arena", "device bytes", "device high-water", "host RSS"));
        if (baseline != null) {
            header.add("speedup vs " + baseline);
        }
        boolean multiDevice = rows.stream().map(BenchRow::device).distinct().count()
                > rows.stream().map(BenchRow::backend).distinct().count();
        List<String> notes = new ArrayList<>();
        List<List<String>> body = new ArrayList<>();
        for (BenchRow r : rows) {
            List<String> cells = new ArrayList<>();
            cells.add(r.workload());
            cells.add(r.kind().label());
            cells.add(r.precision().label());
            cells.add(multiDevice ? r.device() : r.backend());
            if (r.ok()) {
                String note = r.reason().isEmpty() ? "" : " " + noteRef(notes, r.backend() + ": " + r.reason());
                cells.add(ms(r.time().median()) + note);
                cells.add(ms(r.time().min()) + "–" + ms(r.time().max()));
                cells.add(Double.isNaN(r.gflops()) ? "—" : String.format(Locale.ROOT, "%.1f", r.gflops()));
                cells.add(bytes(r.weightBytes()));
                cells.add(bytes(r.activationBytes()));
                cells.add(bytes(r.deviceBytes()));
                cells.add(bytes(r.deviceHighWaterBytes()));
                cells.add(bytes(r.hostRssBytes()));
                if (baseline != null) {
                    cells.add(r.speedup() == null ? "—" : String.format(Locale.ROOT, "%.2f×", r.speedup()));
                }
            } else {
                cells.add(r.status().label() + " " + noteRef(notes, r.backend() + ": " + r.reason()));
                int blanks = header.size() - cells.size();
                for (int i = 0; i < blanks; i++) {
                    cells.add("—");
                }
            }
            body.add(cells);
        }
        sb.append(row(header));
        sb.append(row(header.stream().map(h -> isNumeric(h) ? "---:" : "---").toList()));
        for (List<String> b : body) {
            sb.append(row(b));
        }
        if (!notes.isEmpty()) {
            sb.append('\n');
            for (int i = 0; i < notes.size(); i++) {
                sb.append('[').append(i + 1).append("] ").append(notes.get(i).replace('\n', ' ')).append('\n');
            }
        }
        sb.append(stagesTable());
        sb.append('\n').append(footer());
        return sb.toString();
    }

    /** Where a generation's time goes: the median of each stage, for the measured generation rows. */
    private String stagesTable() {
        List<BenchRow> gens = rows.stream().filter(r -> r.ok() && !r.stages().isEmpty()).toList();
        if (gens.isEmpty()) {
            return "";
        }
        boolean img2img = gens.stream().anyMatch(r -> r.stages().containsKey("vae_encode"));
        List<String> header = new ArrayList<>(List.of("generation", "precision", "backend", "text encode"));
        if (img2img) {
            header.add("VAE encode");
        }
        header.addAll(List.of("denoise", "per step", "VAE decode", "total"));
        StringBuilder sb = new StringBuilder("\nGeneration stages, median ms:\n\n");
        sb.append(row(header));
        sb.append(row(header.stream().map(h -> h.equals("generation") || h.equals("precision") || h.equals("backend")
                ? "---" : "---:").toList()));
        for (BenchRow r : gens) {
            List<String> cells = new ArrayList<>(List.of(r.workload(), r.precision().label(), r.backend()));
            for (String stage : STAGES) {
                if (stage.equals("vae_encode") && !img2img) {
                    continue;
                }
                Stats s = r.stages().get(stage);
                cells.add(s == null ? "—" : ms(s.median()));
            }
            cells.add(ms(r.time().median()));
            sb.append(row(cells));
        }
        return sb.toString();
    }

    private String footer() {
        StringBuilder sb = new StringBuilder();
        sb.append("Ops: the node's device time (synchronised, per-node timing); models: wall time. ");
        sb.append("Median of the repetitions, round-robin across backends and precisions within each workload. ");
        sb.append("GFLOP/s for svdq-int4 counts the 4-bit GEMM and the low-rank branch as operations. ");
        sb.append("device high-water is the allocator's cumulative mark; host RSS is the process's.\n");
        Object w = settings.get("warmup");
        Object r = settings.get("reps");
        sb.append(String.format(Locale.ROOT, "%d rows in %.1f s; warm-up %s, repetitions %s; %s, %s cores, Java %s.%n",
                rows.size(), seconds, w, r, machine.getOrDefault("cpu", machine.getOrDefault("os.arch", "?")),
                machine.getOrDefault("cores", "?"), machine.getOrDefault("java", "?")));
        return sb.toString();
    }

    private static boolean isNumeric(String h) {
        return !(h.equals("workload") || h.equals("kind") || h.equals("precision") || h.equals("backend"));
    }

    private static String noteRef(List<String> notes, String text) {
        int i = notes.indexOf(text);
        if (i < 0) {
            notes.add(text);
            i = notes.size() - 1;
        }
        return "[" + (i + 1) + "]";
    }

    private static String row(List<String> cells) {
        StringBuilder sb = new StringBuilder("|");
        for (String c : cells) {
            sb.append(' ').append(c.replace("|", "\\|")).append(" |");
        }
        return sb.append('\n').toString();
    }

    static String ms(double nanos) {
        double ms = nanos / 1e6;
        if (ms >= 100) {
            return String.format(Locale.ROOT, "%.0f", ms);
        }
        if (ms >= 10) {
            return String.format(Locale.ROOT, "%.1f", ms);
        }
        if (ms >= 1) {
            return String.format(Locale.ROOT, "%.2f", ms);
        }
        return String.format(Locale.ROOT, "%.3f", ms);
    }

    /** 1536 → "1.5 KiB". */
    public static String bytes(long b) {
        if (b <= 0) {
            return "0";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? b + " B" : String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    // ---------------------------------------------------------------------------------------------- CSV

    public static final List<String> CSV_COLUMNS = List.of("group", "workload", "kind", "precision", "detail",
            "backend", "device", "status", "reason", "reps", "median_ms", "min_ms", "max_ms", "p25_ms", "p75_ms",
            "mean_ms", "wall_median_ms", "gflops", "flops", "weight_bytes", "activation_bytes", "device_bytes",
            "device_high_water_bytes", "host_rss_bytes", "host_peak_rss_bytes", "fallback_nodes", "speedup",
            "text_encode_ms", "vae_encode_ms", "denoise_ms", "step_ms", "vae_decode_ms");

    /** The generation stages a report shows, in pipeline order (the keys of {@link BenchRow#stages()}). */
    static final List<String> STAGES = List.of("text_encode", "vae_encode", "denoise", "step", "vae_decode");

    public String csv() {
        StringBuilder sb = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
        for (BenchRow r : rows) {
            Stats t = r.time();
            List<String> c = List.of(r.group(), r.workload(), r.kind().label(), r.precision().label(), r.detail(),
                    r.backend(), r.device(), r.status().label(), r.reason(), t == null ? "" : Integer.toString(t.count()),
                    t == null ? "" : num(t.median() / 1e6), t == null ? "" : num(t.min() / 1e6),
                    t == null ? "" : num(t.max() / 1e6), t == null ? "" : num(t.p25() / 1e6),
                    t == null ? "" : num(t.p75() / 1e6), t == null ? "" : num(t.mean() / 1e6),
                    r.wall() == null ? "" : num(r.wall().median() / 1e6), Double.isNaN(r.gflops()) ? "" : num(r.gflops()),
                    r.flops() > 0 ? num(r.flops()) : "", Long.toString(r.weightBytes()),
                    Long.toString(r.activationBytes()), Long.toString(r.deviceBytes()),
                    Long.toString(r.deviceHighWaterBytes()), Long.toString(r.hostRssBytes()),
                    Long.toString(r.hostPeakRssBytes()), Integer.toString(r.fallbackNodes()),
                    r.speedup() == null ? "" : num(r.speedup()));
            List<String> cells = new ArrayList<>(c);
            for (String stage : STAGES) {
                Stats s = r.stages().get(stage);
                cells.add(s == null ? "" : num(s.median() / 1e6));
            }
            sb.append(String.join(",", cells.stream().map(BenchReport::csvField).toList())).append('\n');
        }
        return sb.toString();
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    static String csvField(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------------- JSON

    /** One JSON object: started, seconds, machine, settings, baseline and rows (times in ms, memory in bytes). */
    public ObjectNode json() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("started", started.toString());
        root.put("seconds", seconds);
        root.set("machine", MAPPER.valueToTree(machine));
        root.set("settings", MAPPER.valueToTree(settings));
        if (baseline == null) {
            root.putNull("baseline");
        } else {
            root.put("baseline", baseline);
        }
        ArrayNode arr = root.putArray("rows");
        for (BenchRow r : rows) {
            ObjectNode o = arr.addObject();
            o.put("group", r.group());
            o.put("workload", r.workload());
            o.put("kind", r.kind().label());
            o.put("precision", r.precision().label());
            o.put("detail", r.detail());
            o.put("backend", r.backend());
            o.put("device", r.device());
            o.put("status", r.status().label());
            o.put("reason", r.reason());
            if (r.ok()) {
                Stats t = r.time();
                o.put("reps", t.count());
                o.put("median_ms", t.median() / 1e6);
                o.put("min_ms", t.min() / 1e6);
                o.put("max_ms", t.max() / 1e6);
                o.put("p25_ms", t.p25() / 1e6);
                o.put("p75_ms", t.p75() / 1e6);
                o.put("mean_ms", t.mean() / 1e6);
                o.put("wall_median_ms", r.wall().median() / 1e6);
                ArrayNode samples = o.putArray("samples_ms");
                for (long s : t.samples()) {
                    samples.add(s / 1e6);
                }
                if (Double.isNaN(r.gflops())) {
                    o.putNull("gflops");
                } else {
                    o.put("gflops", r.gflops());
                }
                o.put("flops", r.flops());
                o.put("weight_bytes", r.weightBytes());
                o.put("activation_bytes", r.activationBytes());
                o.put("device_bytes", r.deviceBytes());
                o.put("device_high_water_bytes", r.deviceHighWaterBytes());
                o.put("host_rss_bytes", r.hostRssBytes());
                o.put("host_peak_rss_bytes", r.hostPeakRssBytes());
                o.put("fallback_nodes", r.fallbackNodes());
                if (r.speedup() == null) {
                    o.putNull("speedup");
                } else {
                    o.put("speedup", r.speedup());
                }
                if (!r.stages().isEmpty()) {
                    ObjectNode st = o.putObject("stages_median_ms");
                    r.stages().forEach((k, v) -> st.put(k, v.median() / 1e6));
                }
            }
        }
        return root;
    }

    public String jsonString() {
        try {
            return MAPPER.writeValueAsString(json());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------- files

    /**
     * Writes bench.md, bench.csv, bench.json and the PNG charts ({@link BenchCharts}) into {@code dir};
     * returns the files written.
     */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        out.add(writeString(dir.resolve("bench.md"), markdown()));
        out.add(writeString(dir.resolve("bench.csv"), csv()));
        out.add(writeString(dir.resolve("bench.json"), jsonString() + "\n"));
        try {
            out.addAll(BenchCharts.write(this, dir));
        } catch (RuntimeException | Error e) { // AWT trouble must not lose the measurements
            System.err.println("bench: charts not written: " + e);
        }
        return out;
    }

    private static Path writeString(Path p, String s) throws IOException {
        Files.writeString(p, s);
        return p;
    }
}
