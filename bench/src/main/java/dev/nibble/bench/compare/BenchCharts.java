package dev.nibble.bench.compare;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * PNG bar charts of a report (XChart, rendered headless), one series per device, unsupported or failed
 * cells left as gaps:
 * <ul>
 *   <li>{@code latency-<group>-<kind>.png}: median latency of each workload group, one category per
 *       precision (groups differ by orders of magnitude, so each gets its own linear axis);</li>
 *   <li>{@code throughput.png}: GFLOP/s of every op row, one category per workload and precision;</li>
 *   <li>{@code speedup.png} (with a baseline): each row's speedup over the baseline backend;</li>
 *   <li>{@code stages.png} (with generation rows): each generation's median stage times stacked.</li>
 * </ul>
 */
public final class BenchCharts {
    private BenchCharts() {
    }

    public static List<Path> write(BenchReport report, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Path> out = new ArrayList<>();
        List<BenchRow> measured = report.rows().stream().filter(BenchRow::ok).toList();
        if (measured.isEmpty()) {
            return out;
        }
        Map<String, List<BenchRow>> byGroup = new LinkedHashMap<>();
        for (BenchRow r : report.rows()) {
            byGroup.computeIfAbsent(r.group() + "|" + r.kind().label() + "|" + r.workload(), k -> new ArrayList<>()).add(r);
        }
        for (List<BenchRow> rows : byGroup.values()) {
            BenchRow first = rows.get(0);
            CategoryChart c = chart(rows, first.workload() + " — median latency", "ms", r -> r.precision().label(),
                    BenchRow::medianMs);
            if (c != null) {
                out.add(save(c, dir.resolve("latency-" + slug(first.workload()) + ".png")));
            }
        }
        List<BenchRow> ops = report.rows().stream().filter(r -> r.kind() == WorkloadKind.OP).toList();
        CategoryChart tput = chart(ops, "Op throughput", "GFLOP/s (GOP/s for svdq-int4)",
                r -> r.workload() + " " + r.precision().label(), BenchRow::gflops);
        if (tput != null) {
            out.add(save(tput, dir.resolve("throughput.png")));
        }
        if (report.baseline() != null) {
            CategoryChart sp = chart(report.rows(), "Speedup over " + report.baseline() + " (> 1: faster)", "×",
                    r -> r.workload() + " " + r.precision().label(), r -> r.speedup() == null ? Double.NaN : r.speedup());
            if (sp != null) {
                out.add(save(sp, dir.resolve("speedup.png")));
            }
        }
        CategoryChart st = stages(measured);
        if (st != null) {
            out.add(save(st, dir.resolve("stages.png")));
        }
        return out;
    }

    /** Stacked bars: one bar per generation row (workload, precision, device), one series per stage. */
    private static CategoryChart stages(List<BenchRow> measured) {
        List<BenchRow> gens = measured.stream().filter(r -> !r.stages().isEmpty()).toList();
        if (gens.isEmpty()) {
            return null;
        }
        List<String> bars = gens.stream().map(r -> shorten(r.group()) + " " + r.precision().label() + " " + r.backend())
                .toList();
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(800, Math.min(4000, 200 + 60 * bars.size())))
                .height(600).title("Generation stages — median").xAxisTitle("").yAxisTitle("ms").build();
        var s = chart.getStyler();
        s.setStacked(true);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartBackgroundColor(Color.WHITE);
        s.setXAxisLabelRotation(45);
        for (String stage : BenchReport.STAGES) {
            if (stage.equals("step")) {
                continue; // a part of denoise, not an addend
            }
            if (gens.stream().noneMatch(r -> r.stages().containsKey(stage))) {
                continue;
            }
            List<Double> ys = new ArrayList<>(gens.size());
            for (BenchRow r : gens) {
                Stats v = r.stages().get(stage);
                ys.add(v == null ? 0.0 : v.median() / 1e6);
            }
            chart.addSeries(stage.replace('_', ' '), bars, ys);
        }
        return chart;
    }

    private static Path save(CategoryChart c, Path p) throws IOException {
        BitmapEncoder.saveBitmap(c, p.toString(), BitmapEncoder.BitmapFormat.PNG);
        return p;
    }

    /** "linear 4096x3072x3072" → "linear-4096x3072x3072". */
    static String slug(String s) {
        String v = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-+|-+$", "");
        return v.length() > 80 ? v.substring(0, 80) : v;
    }

    private static CategoryChart chart(List<BenchRow> rows, String title, String yTitle,
                                       Function<BenchRow, String> category, ToDoubleFunction<BenchRow> y) {
        Set<String> categories = new LinkedHashSet<>();
        Map<String, Map<String, Double>> bySeries = new LinkedHashMap<>();
        boolean any = false;
        for (BenchRow r : rows) {
            String cat = category.apply(r);
            categories.add(cat);
            Map<String, Double> series = bySeries.computeIfAbsent(seriesName(r), k -> new LinkedHashMap<>());
            double v = r.ok() ? y.applyAsDouble(r) : Double.NaN;
            if (Double.isFinite(v)) {
                series.put(cat, v);
                any = true;
            }
        }
        if (!any) {
            return null;
        }
        int width = Math.max(800, Math.min(4000, 160 + categories.size() * 30 * Math.max(1, bySeries.size())));
        boolean many = categories.size() > 4;
        CategoryChart chart = new CategoryChartBuilder().width(width).height(many ? 700 : 500).title(title)
                .xAxisTitle("").yAxisTitle(yTitle).build();
        var s = chart.getStyler();
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartBackgroundColor(Color.WHITE);
        s.setAvailableSpaceFill(0.8);
        chart.getStyler().setXAxisLabelRotation(many ? 45 : 0);
        List<String> xs = new ArrayList<>(categories);
        for (var e : bySeries.entrySet()) {
            List<Double> ys = new ArrayList<>(xs.size());
            for (String c : xs) {
                ys.add(e.getValue().get(c));
            }
            chart.addSeries(e.getKey(), xs, ys);
        }
        return chart;
    }

    private static String seriesName(BenchRow r) {
        return r.backend().equals(r.device()) ? r.backend() : shorten(r.device());
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 39) + "…";
    }
}
