package dev.nibble.app;

import dev.nibble.app.generate.BuiltInModel;
import dev.nibble.bench.compare.BenchConfig;
import dev.nibble.bench.compare.BenchReport;
import dev.nibble.bench.compare.BenchRunner;
import dev.nibble.bench.compare.BenchSession;
import dev.nibble.bench.compare.OpWorkloads;
import dev.nibble.bench.compare.Precision;
import dev.nibble.bench.compare.Progress;
import dev.nibble.bench.compare.ProgressBar;
import dev.nibble.bench.compare.WorkloadGroup;
import dev.nibble.bench.compare.WorkloadKind;
import dev.nibble.engine.spi.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code nibble bench}: backends × precisions × workloads in one run, interleaved round-robin. Prints a
 * Markdown table (or with --json one JSON object) on stdout; with --out also writes bench.md, bench.csv,
 * bench.json, latency.png and throughput.png. Progress goes to stderr. Benchmarks never fail on time:
 * the exit code is 0 when the run completed, even with unsupported or failed rows (they are in the table).
 */
@Command(name = "bench", sortOptions = false,
        description = {"Benchmark backends side by side: op workloads (Linear fp32/bf16, SvdqLinear int4, Attention, "
                + "Conv2d) at FLUX.1 shapes and model workloads (one denoising step, a whole generation) of the "
                + "built-in model and of every --model folder (FLUX or SDXL); latency, throughput and memory per row.",
                "Unsupported combinations are reported as such, never as numbers."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "Reduced sizes and repetitions (finishes in about a minute on 2 cores).")
    boolean quick;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of the Markdown table.")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write bench.md, bench.csv, bench.json and PNG charts here.")
    Path out;

    @Option(names = "--baseline", paramLabel = "BACKEND", description = "Add every row's speedup over this backend's same workload (e.g. cpu).")
    String baseline;

    @Option(names = {"--backends", "--backend"}, split = ",", paramLabel = "B",
            description = "Backends to run on (default: every available one).")
    List<String> backends = new ArrayList<>();

    @Option(names = "--precisions", split = ",", paramLabel = "P",
            description = "fp32, bf16, svdq-int4 (default: all; model rows follow each folder's own precision).")
    List<String> precisions = new ArrayList<>();

    @Option(names = "--ops", split = ",", paramLabel = "OP", description = "Op families: linear, attention, conv (default: all).")
    List<String> ops = new ArrayList<>();

    @Option(names = "--kinds", split = ",", paramLabel = "K", description = "Workload kinds: op, step, generation (default: all).")
    List<String> kinds = new ArrayList<>();

    @Option(names = "--model", arity = "1..*", paramLabel = "DIR",
            description = "Model folders (diffusers FLUX or SDXL pipeline layout, 16/32-bit or svdq-int4) for step and generation rows.")
    List<Path> models = new ArrayList<>();

    @Option(names = "--no-builtin-model", description = "Leave out the built-in nibble-shapes model (and its 4-bit version nibble-shapes-svdq, benchmarked with svdq-int4).")
    boolean noBuiltin;

    @Option(names = "--size", paramLabel = "PX", description = "Image size of the model workloads (default: 64 for the built-in model, 1024 otherwise; 256 with --quick).")
    Integer size;

    @Option(names = "--steps", description = "Steps of a whole generation (default: 20 for the built-in model and other tiny models, else 28 for FLUX, 50 for SDXL; 2 with --quick).")
    Integer steps;

    @Option(names = "--max-sequence-length", paramLabel = "N", description = "FLUX T5 padding length (default: 32 for the built-in model, 512 otherwise; not used by SDXL).")
    Integer maxSequenceLength;

    @Option(names = "--warmup", paramLabel = "N", description = "Unmeasured runs per row (default: 1 with --quick, else 2).")
    Integer warmup;

    @Option(names = "--reps", paramLabel = "N", description = "Measured repetitions per row (default: 5 with --quick, else 10).")
    Integer reps;

    @Option(names = "--max-seconds-per-row", paramLabel = "S",
            description = "A row stops repeating once its measured runs add up to this many seconds, keeping at least 2 (--quick) or 3 (default: 1.5 with --quick, else 60; 0 = no limit).")
    Double maxSecondsPerRow;

    @Option(names = "--allow-fallback", description = "Model rows may run nodes a device lacks on the CPU (counted in the row); default: such rows are 'unsupported'.")
    boolean allowFallback;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        BenchConfig config = quick ? BenchConfig.quick() : BenchConfig.full();
        if (warmup != null) {
            config = config.withWarmup(warmup);
        }
        if (reps != null) {
            config = config.withReps(reps);
        }
        if (maxSecondsPerRow != null) {
            config = config.withMaxSecondsPerRow(maxSecondsPerRow);
        }
        config = config.withAllowFallback(allowFallback);
        Set<Precision> prec = parseAll(precisions, Precision.class, Precision::parse, "--precisions");
        Set<OpWorkloads.Family> fams = parseAll(ops, OpWorkloads.Family.class, OpWorkloads.Family::parse, "--ops");
        Set<WorkloadKind> ks = parseAll(kinds, WorkloadKind.class, WorkloadKind::parse, "--kinds");
        for (Path m : models) {
            if (!Files.isDirectory(m)) {
                throw new BadInputException("--model: no such folder: " + m);
            }
        }
        Path builtIn = noBuiltin ? null : shipped(BuiltInModel.folder());
        List<Path> modelFolders = new ArrayList<>(models);
        // the built-in model ships a 4-bit version beside it: its rows are the svdq-int4 side of the built-in model
        Path builtInSvdq = builtIn == null ? null : shipped(BuiltInModel.quantizedFolder());
        if (builtInSvdq != null && prec.contains(Precision.SVDQ_INT4)
                && Files.isRegularFile(builtInSvdq.resolve("model_index.json")) && !models.contains(builtInSvdq)) {
            modelFolders.add(0, builtInSvdq);
        }
        BenchSession.Options o = new BenchSession.Options(quick, prec, fams, ks, modelFolders, builtIn, size, steps,
                maxSequenceLength, config, backends, baseline);

        Backends all = Backends.discover();
        List<BenchRunner.Target> targets = BenchSession.targets(all, backends);
        if (targets.isEmpty()) {
            throw new BadInputException("no backend is available to benchmark");
        }
        if (baseline != null && targets.stream().noneMatch(t -> t.backend().equals(baseline))) {
            throw new BadInputException("--baseline " + baseline + " is not among the benchmarked backends "
                    + targets.stream().map(BenchRunner.Target::backend).distinct().toList());
        }
        List<WorkloadGroup> groups;
        try {
            groups = BenchSession.groups(o);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        if (groups.isEmpty()) {
            throw new BadInputException("nothing to measure: the chosen --kinds, --ops and --precisions select no workload");
        }
        if (!noBuiltin && builtIn == null && ks.stream().anyMatch(k -> k != WorkloadKind.OP)) {
            System.err.println("nibble bench: the built-in model was not found (set -Dnibble.home); model rows only for --model folders");
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("quick", quick);
        settings.put("precisions", prec.stream().map(Precision::label).toList());
        settings.put("ops", fams.stream().map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).toList());
        settings.put("kinds", ks.stream().map(WorkloadKind::label).toList());
        List<String> modelDirs = new ArrayList<>();
        if (builtIn != null) {
            modelDirs.add(builtIn.toString());
        }
        modelFolders.forEach(m -> modelDirs.add(m.toString()));
        settings.put("models", modelDirs);
        Progress progress = noProgress ? Progress.NONE : ProgressBar.stderr("bench");
        BenchReport report = BenchSession.run(groups, targets, all.cpu(), config, baseline, settings, all, progress);
        if (out != null) {
            List<Path> written = report.write(out);
            System.err.println("nibble bench: wrote " + written.stream().map(p -> p.getFileName().toString()).toList()
                    + " to " + out);
        }
        if (json) {
            JsonOutput.print(report.json());
        } else {
            System.out.print(report.markdown());
            System.out.flush();
        }
        return NibbleCli.EXIT_OK;
    }

    private static <E extends Enum<E>> Set<E> parseAll(List<String> values, Class<E> type, Function<String, E> parse,
                                                       String option) {
        if (values.isEmpty()) {
            return EnumSet.allOf(type);
        }
        Set<E> out = EnumSet.noneOf(type);
        for (String v : values) {
            try {
                out.add(parse.apply(v));
            } catch (IllegalArgumentException e) {
                throw new BadInputException(option + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** {@code folder} when it holds a pipeline (model_index.json), else null. */
    private static Path shipped(Path folder) {
        return Files.isRegularFile(folder.resolve("model_index.json")) ? folder : null;
    }
}
