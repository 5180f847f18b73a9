package dev.nibble.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import dev.nibble.tck.ConformanceKit;
import dev.nibble.tck.TckReport;
import dev.nibble.tck.TckStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code nibble tck}: every op of every chosen backend against the CPU reference kernels; prints the
 * op × backend table (pass / FAIL / unsupported) and exits 1 on any failure.
 */
@Command(name = "tck", description = "Run the backend conformance kit against the CPU reference kernels.")
final class TckCommand implements Callable<Integer> {
    @Option(names = "--backend", description = "Backend to test (default: every available backend).")
    String backend;

    @Option(names = "--op", split = ",", description = "Only these ops (e.g. Linear,Attention).")
    List<String> ops;

    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Backends all = Backends.discover();
        List<Backend> chosen = backend == null ? all.available() : List.of(all.select(backend));
        Map<String, TckReport> reports = new LinkedHashMap<>();
        for (Backend b : chosen) {
            for (Device d : b.devices()) {
                ConformanceKit kit = ConformanceKit.forDevice(d);
                if (ops != null && !ops.isEmpty()) {
                    kit = kit.onlyOps(ops.toArray(String[]::new));
                }
                System.err.println("tck: " + d.name() + " ...");
                reports.put(d.name(), kit.run());
            }
        }
        boolean passed = reports.values().stream().allMatch(TckReport::allPassed);
        if (json) {
            ObjectNode root = JsonOutput.object();
            root.put("passed", passed);
            ObjectNode byDevice = root.putObject("devices");
            for (var e : reports.entrySet()) {
                byDevice.set(e.getKey(), JsonOutput.MAPPER.readTree(e.getValue().toJson()));
            }
            JsonOutput.print(root);
        } else {
            System.out.print(table(reports));
            for (TckReport r : reports.values()) {
                r.failures().forEach(f -> System.out.println("  " + f.describe()));
            }
            System.out.println(passed ? "all cases passed" : "FAILURES above");
        }
        return passed ? NibbleCli.EXIT_OK : NibbleCli.EXIT_FAILED;
    }

    /** Rows: ops; columns: devices; cells: PASS n, FAIL n/m, or unsupported. */
    static String table(Map<String, TckReport> reports) {
        Set<String> opNames = new LinkedHashSet<>();
        reports.values().forEach(r -> opNames.addAll(r.countsByOp().keySet()));
        List<String> devices = new ArrayList<>(reports.keySet());
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-24s", "op"));
        for (String d : devices) {
            sb.append(String.format(Locale.ROOT, " %-22s", abbreviate(d)));
        }
        sb.append('\n');
        for (String op : opNames) {
            sb.append(String.format(Locale.ROOT, "%-24s", op));
            for (String d : devices) {
                Map<TckStatus, Integer> c = reports.get(d).countsByOp().getOrDefault(op, Map.of());
                int pass = c.getOrDefault(TckStatus.PASS, 0), fail = c.getOrDefault(TckStatus.FAIL, 0),
                        uns = c.getOrDefault(TckStatus.UNSUPPORTED, 0);
                String cell = fail > 0 ? "FAIL " + fail + "/" + (pass + fail + uns)
                        : pass == 0 && uns > 0 ? "unsupported" : uns > 0 ? "pass " + pass + ", unsup " + uns : "pass " + pass;
                sb.append(String.format(Locale.ROOT, " %-22s", cell));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 22 ? s : s.substring(0, 21) + "…";
    }
}
