package dev.nibble.app.parity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.app.BadInputException;
import dev.nibble.app.DeviceOptions;
import dev.nibble.app.NibbleCli;
import dev.nibble.engine.io.SafetensorsWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;

/**
 * {@code nibble parity --case DIR --out DIR}: runs one golden case (tokenizer, scheduler, model or
 * pipeline) with Nibble, writes its outputs under the case's tensor names, and reports the error of
 * each against the PyTorch reference. Exit 1 when a tolerance of the golden README is exceeded.
 */
@Command(name = "parity", description = "Run a golden reference case and compare with PyTorch's outputs.")
public final class ParityCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = {"--case", "--manifest"}, required = true,
            description = "The case folder (holding case.json), or its case.json.")
    Path caseDir;

    @Option(names = "--out", required = true, description = "Folder for outputs.safetensors / outputs.json.")
    Path out;

    @Option(names = "--set-root", description = "Root of the golden set (default: two levels above the case).")
    Path setRoot;

    @Option(names = "--model", description = "Use this pipeline folder instead of the case's (e.g. one written by `nibble quantize`).")
    Path model;

    @Mixin
    DeviceOptions device;

    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Path dir = Files.isRegularFile(caseDir) ? caseDir.toAbsolutePath().getParent() : caseDir;
        GoldenCase c = GoldenCase.open(dir, setRoot, model);
        CaseRunner runner = runners().stream().filter(r -> r.handles(c)).findFirst().orElseThrow(() ->
                new BadInputException(c.name() + ": no runner for kind '" + c.kind() + "', class '" + c.className() + "'"));
        ParityContext ctx = new ParityContext(device.executor(), device.precision());
        long t0 = System.nanoTime();
        CaseResult result = runner.run(c, ctx);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        write(result);
        if (json) {
            System.out.println(JSON.writeValueAsString(report(c, result, ms)));
        } else {
            System.out.print(table(c, result, ms));
        }
        return result.passed() ? NibbleCli.EXIT_OK : NibbleCli.EXIT_FAILED;
    }

    /** Built-in runners, then any a module registers through ServiceLoader. */
    static List<CaseRunner> runners() {
        List<CaseRunner> list = new ArrayList<>(List.of(new TokenizerCaseRunner(), new SchedulerCaseRunner(),
                new TextEncoderCaseRunner(), new VaeCaseRunner(), new DenoiserCaseRunner(), new PipelineCaseRunner()));
        ServiceLoader.load(CaseRunner.class).forEach(list::add);
        return list;
    }

    private void write(CaseResult result) throws IOException {
        Files.createDirectories(out);
        if (!result.tensors().isEmpty()) {
            SafetensorsWriter.write(out.resolve("outputs.safetensors"), result.tensors(), Map.of("format", "pt"));
        }
        if (result.json() != null) {
            Path tmp = Files.createTempFile(out, ".outputs", ".json.tmp");
            try {
                JSON.writeValue(tmp.toFile(), result.json());
                Files.move(tmp, out.resolve("outputs.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private ObjectNode report(GoldenCase c, CaseResult r, long ms) {
        ObjectNode root = JSON.createObjectNode();
        root.put("case", c.name());
        root.put("kind", c.kind());
        root.put("class", c.className());
        root.put("backend", device.backend);
        root.put("precision", device.precision());
        root.put("passed", r.passed());
        root.put("time_ms", ms);
        root.put("out", out.toAbsolutePath().toString());
        ArrayNode rows = root.putArray("checks");
        for (TensorCheck t : r.checks()) {
            ObjectNode o = rows.addObject();
            o.put("name", t.name());
            o.put("against", t.against());
            num(o, "max_abs", t.maxAbs());
            num(o, "rel_l2", t.relL2());
            num(o, "ref_max_abs", t.refMaxAbs());
            o.put("tolerance", t.tolerance().toString());
            o.put("passed", t.passed());
            if (!t.note().isEmpty()) {
                o.put("note", t.note());
            }
        }
        return root;
    }

    private static void num(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) {
            o.put(k, v);
        } else {
            o.putNull(k);
        }
    }

    private String table(GoldenCase c, CaseResult r, long ms) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "case %s (%s %s), %s, %d ms%n", c.name(), c.kind(), c.className(),
                device.precision(), ms));
        String fmt = "%-4s %-60s %-8s %11s %11s  %s%n";
        sb.append(String.format(Locale.ROOT, fmt, "", "output", "against", "max abs", "rel L2", "tolerance"));
        for (TensorCheck t : r.checks()) {
            sb.append(String.format(Locale.ROOT, fmt, t.passed() ? "ok" : "FAIL", t.name(), t.against(),
                    String.format(Locale.ROOT, "%.3g", t.maxAbs()), String.format(Locale.ROOT, "%.3g", t.relL2()),
                    t.tolerance() + (t.note().isEmpty() ? "" : "  (" + t.note() + ")")));
        }
        long failed = r.checks().stream().filter(t -> !t.passed()).count();
        sb.append(failed == 0 ? "PASS: " + r.checks().size() + " checks\n" : "FAIL: " + failed + " of " + r.checks().size() + " checks\n");
        return sb.toString();
    }
}
