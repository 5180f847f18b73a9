package dev.nibble.tck;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results of one kit run on one device: rows, counts, an op × status table and JSON. */
public record TckReport(String device, String reference, List<TckResult> results) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public TckReport {
        results = List.copyOf(results);
    }

    public long count(TckStatus s) {
        return results.stream().filter(r -> r.status() == s).count();
    }

    public List<TckResult> failures() {
        return results.stream().filter(r -> r.status() == TckStatus.FAIL).toList();
    }

    public List<TckResult> unsupported() {
        return results.stream().filter(r -> r.status() == TckStatus.UNSUPPORTED).toList();
    }

    /** No case failed. UNSUPPORTED cases are not failures (the executor falls back to the CPU for them). */
    public boolean allPassed() {
        return failures().isEmpty();
    }

    /** Every case ran (none UNSUPPORTED). */
    public boolean allSupported() {
        return unsupported().isEmpty();
    }

    /** Throws an AssertionError listing the failures, if any. */
    public TckReport requireAllPassed() {
        if (!allPassed()) {
            throw new AssertionError(failures().size() + " conformance case(s) failed on " + device + ":\n"
                    + lines(failures()) + "\n" + toTable());
        }
        return this;
    }

    /** For backends that claim every op: throws an AssertionError if any case was UNSUPPORTED or failed. */
    public TckReport requireAllSupported() {
        if (!allSupported()) {
            throw new AssertionError(unsupported().size() + " conformance case(s) unsupported on " + device + ":\n"
                    + lines(unsupported()));
        }
        return requireAllPassed();
    }

    /** Counts per op name (in first-seen order). */
    public Map<String, Map<TckStatus, Integer>> countsByOp() {
        Map<String, Map<TckStatus, Integer>> m = new LinkedHashMap<>();
        for (TckResult r : results) {
            m.computeIfAbsent(r.op(), k -> new EnumMap<>(TckStatus.class)).merge(r.status(), 1, Integer::sum);
        }
        return m;
    }

    /** op × status, the worst error as a fraction of its tolerance, then one line per failure. */
    public String toTable() {
        StringBuilder sb = new StringBuilder("conformance of " + device + " against " + reference + "\n");
        String fmt = "%-24s %6s %6s %12s %14s%n";
        sb.append(String.format(Locale.ROOT, fmt, "op", "PASS", "FAIL", "UNSUPPORTED", "worst err/tol"));
        for (var e : countsByOp().entrySet()) {
            Map<TckStatus, Integer> c = e.getValue();
            double worst = results.stream().filter(r -> r.op().equals(e.getKey()))
                    .mapToDouble(TckResult::errorRatio).max().orElse(Double.NaN);
            sb.append(String.format(Locale.ROOT, fmt, e.getKey(), c.getOrDefault(TckStatus.PASS, 0),
                    c.getOrDefault(TckStatus.FAIL, 0), c.getOrDefault(TckStatus.UNSUPPORTED, 0),
                    Double.isNaN(worst) ? "-" : String.format(Locale.ROOT, "%.3g", worst)));
        }
        sb.append(String.format(Locale.ROOT, fmt, "TOTAL", count(TckStatus.PASS), count(TckStatus.FAIL),
                count(TckStatus.UNSUPPORTED), ""));
        if (!failures().isEmpty()) {
            sb.append("failures:\n").append(lines(failures())).append('\n');
        }
        return sb.toString();
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("device", device);
        root.put("reference", reference);
        ObjectNode summary = root.putObject("summary");
        for (TckStatus s : TckStatus.values()) {
            summary.put(s.name().toLowerCase(Locale.ROOT), count(s));
        }
        ArrayNode rows = root.putArray("results");
        for (TckResult r : results) {
            ObjectNode o = rows.addObject();
            o.put("op", r.op());
            o.put("case", r.caseName());
            o.put("status", r.status().name());
            putNumber(o, "maxError", r.maxError());
            putNumber(o, "relL2", r.relL2());
            if (r.tolerance() != null) {
                o.put("tolMaxError", r.tolerance().maxError());
                o.put("tolRelL2", r.tolerance().relL2());
            }
            o.put("message", r.message());
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** NaN/Inf are not JSON numbers: written as null. */
    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    private static String lines(List<TckResult> rs) {
        return String.join("\n", rs.stream().map(r -> "  " + r.describe()).toList());
    }
}
