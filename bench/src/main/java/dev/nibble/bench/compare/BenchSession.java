package dev.nibble.bench.compare;

import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import dev.nibble.models.sdxl.SdxlRequest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What {@code nibble bench} does, without the command line: choose the devices, build the workload
 * groups (ops at the CPU issue's shapes or reduced ones, model folders), run them round-robin and
 * assemble the report.
 */
public final class BenchSession {
    /**
     * @param quick             reduced op sizes and model settings, fewer repetitions
     * @param precisions        which weight precisions to include
     * @param families          which op families to include
     * @param kinds             op, step and/or generation workloads
     * @param models            model folders for the step and generation workloads
     * @param builtInModel      the built-in model's folder, or null to leave it out
     * @param size              image size for the model workloads (null: per-model default)
     * @param steps             generation steps (null: per-model default)
     * @param maxSequenceLength T5 padding length of FLUX folders (null: per-model default)
     * @param config            repetitions and budgets
     * @param backends          backend names to run on (empty: every available backend)
     * @param baseline          backend the others are compared with (null: none)
     */
    public record Options(boolean quick, Set<Precision> precisions, Set<OpWorkloads.Family> families,
                          Set<WorkloadKind> kinds, List<Path> models, Path builtInModel, Integer size, Integer steps,
                          Integer maxSequenceLength, BenchConfig config, List<String> backends, String baseline) {
        public Options {
            precisions = precisions.isEmpty() ? EnumSet.noneOf(Precision.class) : EnumSet.copyOf(precisions);
            families = families.isEmpty() ? EnumSet.noneOf(OpWorkloads.Family.class) : EnumSet.copyOf(families);
            kinds = kinds.isEmpty() ? EnumSet.noneOf(WorkloadKind.class) : EnumSet.copyOf(kinds);
            models = List.copyOf(models);
            backends = List.copyOf(backends);
            Objects.requireNonNull(config);
        }

        /** Everything at the given speed, on every available backend, no models but the built-in one. */
        public static Options defaults(boolean quick, Path builtInModel) {
            return new Options(quick, EnumSet.allOf(Precision.class), EnumSet.allOf(OpWorkloads.Family.class),
                    EnumSet.allOf(WorkloadKind.class), List.of(), builtInModel, null, null, null,
                    quick ? BenchConfig.quick() : BenchConfig.full(), List.of(), null);
        }
    }

    private BenchSession() {
    }

    /** The devices to measure on: every device of the named (or of every available) backend. */
    public static List<BenchRunner.Target> targets(Backends all, List<String> names) {
        List<Backend> chosen = new ArrayList<>();
        if (names.isEmpty()) {
            chosen.addAll(all.available());
        } else {
            for (String n : names) {
                Backend b = all.select(n);
                if (!chosen.contains(b)) {
                    chosen.add(b);
                }
            }
        }
        return BenchRunner.Target.of(chosen);
    }

    /**
     * The model settings for one FLUX folder: the built-in model's own defaults for it and other tiny models
     * ({@link ModelWorkloads#isTiny}), or FLUX.1's; --size/--steps/--max-sequence-length override both.
     */
    public static ModelWorkloads.Settings modelSettings(Options o, boolean builtIn) {
        return modelSettings(o, builtIn, false);
    }

    /**
     * The model settings for one folder: the built-in model's own defaults for it and other tiny models
     * ({@link ModelWorkloads#isTiny}), else FLUX.1's or, for an SDXL folder, SDXL's (50 steps; the sequence
     * length does not apply to its CLIP encoders); --size/--steps/--max-sequence-length override them all.
     */
    public static ModelWorkloads.Settings modelSettings(Options o, boolean builtIn, boolean sdxl) {
        int fullSteps = sdxl ? SdxlRequest.DEFAULT_STEPS : 28;
        int size = o.size() != null ? o.size() : builtIn ? 64 : o.quick() ? 256 : 1024;
        int steps = o.steps() != null ? o.steps() : builtIn ? (o.quick() ? 2 : 20) : (o.quick() ? 2 : fullSteps);
        int seq = o.maxSequenceLength() != null ? o.maxSequenceLength() : builtIn ? 32 : o.quick() ? 64 : 512;
        return new ModelWorkloads.Settings(size, steps, seq);
    }

    /** The workload groups the options ask for: ops first, then one group per model folder. */
    public static List<WorkloadGroup> groups(Options o) {
        List<WorkloadGroup> groups = new ArrayList<>();
        if (o.kinds().contains(WorkloadKind.OP)) {
            groups.addAll(OpWorkloads.standard(o.quick(), o.precisions(), o.families()));
        }
        List<WorkloadKind> modelKinds = o.kinds().stream().filter(k -> k != WorkloadKind.OP).toList();
        if (!modelKinds.isEmpty()) {
            List<Path> dirs = new ArrayList<>();
            if (o.builtInModel() != null) {
                dirs.add(o.builtInModel());
            }
            dirs.addAll(o.models());
            for (Path dir : dirs) {
                boolean builtIn = dir.equals(o.builtInModel()) || ModelWorkloads.isTiny(dir);
                WorkloadGroup g = ModelWorkloads.forModel(dir, modelSettings(o, builtIn, ModelWorkloads.isSdxl(dir)),
                        modelKinds);
                if (g.workloads().stream().allMatch(w -> o.precisions().contains(w.precision()))) {
                    groups.add(g);
                }
            }
        }
        return groups;
    }

    /** Runs {@code groups} on {@code targets} and builds the report. */
    public static BenchReport run(List<WorkloadGroup> groups, List<BenchRunner.Target> targets, Device cpu,
                                  BenchConfig config, String baseline, Map<String, Object> settings, Backends all,
                                  Progress progress) {
        if (baseline != null && targets.stream().noneMatch(t -> t.backend().equals(baseline))) {
            throw new IllegalArgumentException("baseline backend '" + baseline + "' is not among the benchmarked ones: "
                    + targets.stream().map(BenchRunner.Target::backend).distinct().toList());
        }
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        List<BenchRow> rows = new BenchRunner(config, targets, cpu, progress).run(groups);
        Map<String, Object> s = new LinkedHashMap<>(settings);
        s.putIfAbsent("warmup", config.warmup());
        s.putIfAbsent("warmup_seconds", config.warmupSeconds());
        s.putIfAbsent("reps", config.reps());
        s.putIfAbsent("max_seconds_per_row", config.maxSecondsPerRow());
        s.putIfAbsent("allow_fallback", config.allowFallback());
        return new BenchReport(rows, baseline, s, machine(all, targets), started, (System.nanoTime() - t0) / 1e9);
    }

    /** Where the run happened: OS, CPU, cores, Java, backends (with why any is unavailable), devices used. */
    public static Map<String, Object> machine(Backends all, List<BenchRunner.Target> targets) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("os.arch", System.getProperty("os.arch"));
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("java", System.getProperty("java.version"));
        m.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        Map<String, Object> backends = new LinkedHashMap<>();
        if (all != null) {
            for (Backend b : all.all()) {
                Availability a = b.probe();
                backends.put(b.name(), (a.available() ? "available: " : "unavailable: ") + a.reason());
            }
        }
        m.put("backends", backends);
        List<Map<String, Object>> devices = new ArrayList<>();
        for (BenchRunner.Target t : targets) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("backend", t.backend());
            d.put("device", t.device().name());
            d.put("kind", t.device().kind().name().toLowerCase(java.util.Locale.ROOT));
            d.put("memory_total_bytes", t.device().memoryTotal());
            devices.add(d);
        }
        m.put("devices", devices);
        return m;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }
}
