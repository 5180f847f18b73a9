package dev.nibble.bench.compare;

import dev.nibble.engine.exec.HostMemory;
import dev.nibble.engine.spi.AllocatorStats;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Device;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs workload groups on devices. For each group: every (workload, device) cell is prepared and warmed
 * up, then the measured repetitions go round-robin over the cells — round r starts at cell r, so no
 * cell always runs first or right after the same neighbour — so noise from the shared machine lands on
 * all backends and precisions of the group alike; then the cells are closed and the group released.
 * A cell whose device cannot run the workload becomes an "unsupported" row, one whose run throws a
 * "failed" row; neither ever carries a number.
 */
public final class BenchRunner {
    /** A device to measure on, with the backend it belongs to. */
    public record Target(String backend, Device device) {
        public Target {
            Objects.requireNonNull(backend);
            Objects.requireNonNull(device);
        }

        /** Every device of each backend, in the given order. */
        public static List<Target> of(List<Backend> backends) {
            List<Target> out = new ArrayList<>();
            for (Backend b : backends) {
                for (Device d : b.devices()) {
                    out.add(new Target(b.name(), d));
                }
            }
            return out;
        }
    }

    private final BenchConfig config;
    private final List<Target> targets;
    private final Device cpu;
    private final Progress progress;
    private long plannedTotal;

    /**
     * @param cpu the device model workloads fall back to when the config allows it (may be null)
     */
    public BenchRunner(BenchConfig config, List<Target> targets, Device cpu, Progress progress) {
        this.config = Objects.requireNonNull(config);
        this.targets = List.copyOf(targets);
        this.cpu = cpu;
        this.progress = progress == null ? Progress.NONE : progress;
        if (this.targets.isEmpty()) {
            throw new IllegalArgumentException("no device to benchmark on");
        }
    }

    /** Steps the progress bar counts for these groups (each warm-up or measured run is one). */
    public long plannedSteps(List<WorkloadGroup> groups) {
        long cells = groups.stream().mapToLong(g -> g.workloads().size()).sum() * targets.size();
        return cells * (config.warmup() + config.reps());
    }

    /** Runs every group in order; rows come out group by group, workload-major, in target order. */
    public List<BenchRow> run(List<WorkloadGroup> groups) {
        plannedTotal = plannedSteps(groups);
        progress.total(plannedTotal);
        List<BenchRow> rows = new ArrayList<>();
        try {
            for (WorkloadGroup g : groups) {
                try {
                    rows.addAll(runGroup(g));
                } finally {
                    g.release();
                    // outputs and inputs live in GC-managed off-heap arenas: collect them between groups (never
                    // inside a measurement) so that one group's garbage does not inflate the next one's RSS
                    System.gc();
                }
            }
        } finally {
            progress.done();
        }
        return rows;
    }

    private List<BenchRow> runGroup(WorkloadGroup group) {
        List<Cell> cells = new ArrayList<>();
        try {
            for (Workload w : group.workloads()) {
                for (Target t : targets) {
                    Cell c = new Cell(group, w, t);
                    cells.add(c);
                    prepare(c);
                }
            }
            int rounds = cells.stream().mapToInt(c -> c.reps).max().orElse(0);
            for (int r = 0; r < rounds; r++) {
                for (int j = 0; j < cells.size(); j++) {
                    Cell c = cells.get((j + r) % cells.size());
                    if (c.prepared == null || c.samples.size() >= c.reps) {
                        continue;
                    }
                    if (overBudget(c)) {
                        plannedTotal -= c.reps - c.samples.size();
                        progress.total(plannedTotal);
                        c.reps = c.samples.size();
                        continue;
                    }
                    try {
                        Workload.Sample s = c.prepared.run();
                        c.samples.add(s);
                        c.wallNanos += s.wallNanos();
                        c.rss = HostMemory.rssBytes();
                        c.peakRss = HostMemory.peakRssBytes();
                    } catch (RuntimeException | OutOfMemoryError e) {
                        c.fail(e);
                        progress.advance(c.reps - c.samples.size(), c.label());
                        continue;
                    }
                    progress.advance(1, c.label());
                }
            }
            List<BenchRow> rows = new ArrayList<>();
            for (Cell c : cells) {
                rows.add(c.row());
            }
            return rows;
        } finally {
            for (Cell c : cells) {
                c.close();
            }
        }
    }

    private void prepare(Cell c) {
        long budget = config.warmup() + config.reps();
        Device fallback = config.allowFallback() && c.workload.kind() != WorkloadKind.OP && cpu != null
                && cpu != c.target.device() ? cpu : null;
        long before = c.target.device().allocatorStats().inUseBytes();
        progress.advance(0, c.label() + " (preparing)");
        try {
            c.prepared = c.workload.prepare(c.target.device(), fallback);
        } catch (UnsupportedWorkloadException e) {
            c.status = BenchRow.Status.UNSUPPORTED;
            c.reason = e.getMessage();
            progress.advance(budget, c.label());
            return;
        } catch (RuntimeException | OutOfMemoryError e) {
            c.fail(e);
            progress.advance(budget, c.label());
            return;
        }
        try {
            long t0 = System.nanoTime();
            for (int i = 0; !warmedUp(i, System.nanoTime() - t0); i++) {
                c.prepared.run();
                progress.advance(i < config.warmup() ? 1 : 0, c.label() + " (warm-up)");
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            c.fail(e);
            progress.advance(config.reps(), c.label());
            return;
        }
        c.deviceBytes = Math.max(0, c.target.device().allocatorStats().inUseBytes() - before);
        c.reps = config.reps();
    }

    /**
     * Warm-up ends after at least {@code warmup} runs and {@code warmupSeconds}, and — so that cheap runs
     * get the JIT to compile the Java kernels (that takes a few thousand loop iterations, i.e. several calls)
     * — after at least {@link #MIN_TIMED_WARMUP_RUNS} runs unless that would take twice as long.
     */
    private boolean warmedUp(int runs, long nanos) {
        if (runs < config.warmup()) {
            return false;
        }
        if (runs >= BenchConfig.MAX_WARMUP_RUNS) {
            return true;
        }
        double budget = config.warmupSeconds() * 1e9;
        return nanos >= budget && (runs >= MIN_TIMED_WARMUP_RUNS || nanos >= 2 * budget);
    }

    /** Runs a time-based warm-up makes when each is cheap. */
    static final int MIN_TIMED_WARMUP_RUNS = 10;

    /**
     * Whether a cell has used up its time: at least {@code minReps} measured runs whose wall time adds up
     * to the per-row budget. Its remaining repetitions are dropped (the row says so).
     */
    private boolean overBudget(Cell c) {
        return config.maxSecondsPerRow() > 0 && c.samples.size() >= config.minReps()
                && c.wallNanos >= config.maxSecondsPerRow() * 1e9;
    }

    /** One workload on one device. */
    private final class Cell {
        final WorkloadGroup group;
        final Workload workload;
        final Target target;
        Workload.Prepared prepared;
        BenchRow.Status status = BenchRow.Status.OK;
        String reason = "";
        int reps;
        final List<Workload.Sample> samples = new ArrayList<>();
        long deviceBytes;
        long wallNanos;
        long rss;
        long peakRss;
        long weightBytes;
        long activationBytes;
        int fallbackNodes;
        long highWater;

        Cell(WorkloadGroup group, Workload workload, Target target) {
            this.group = group;
            this.workload = workload;
            this.target = target;
        }

        String label() {
            return workload.name() + " " + workload.precision().label() + " on " + target.backend();
        }

        void fail(Throwable e) {
            String m = e.getMessage();
            if (e instanceof UnsupportedWorkloadException) {
                status = BenchRow.Status.UNSUPPORTED;
                reason = m;
            } else {
                status = BenchRow.Status.FAILED;
                reason = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
                progress.note(label() + " failed: " + reason);
            }
            close();
        }

        BenchRow row() {
            Stats time = null;
            Stats wall = null;
            java.util.SequencedMap<String, Stats> stages = new java.util.LinkedHashMap<>();
            if (status == BenchRow.Status.OK && !samples.isEmpty()) {
                long[] t = new long[samples.size()];
                long[] w = new long[samples.size()];
                for (int i = 0; i < t.length; i++) {
                    t[i] = samples.get(i).nanos();
                    w[i] = samples.get(i).wallNanos();
                }
                time = Stats.of(t);
                wall = Stats.of(w);
                for (String stage : samples.get(0).stages().keySet()) {
                    long[] v = new long[samples.size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = samples.get(i).stages().getOrDefault(stage, 0L);
                    }
                    stages.put(stage, Stats.of(v));
                }
            }
            if (prepared != null) {
                weightBytes = prepared.weightBytes();
                activationBytes = prepared.activationBytes();
                fallbackNodes = prepared.fallbackNodes();
                AllocatorStats a = target.device().allocatorStats();
                highWater = a.highWaterBytes();
            }
            String note = reason;
            if (status == BenchRow.Status.OK) {
                List<String> notes = new ArrayList<>();
                if (fallbackNodes > 0) {
                    notes.add(fallbackNodes + " node(s) on the CPU");
                }
                if (reps < config.reps()) {
                    notes.add(reps + " of " + config.reps() + " reps (time budget)");
                }
                note = String.join("; ", notes);
            }
            boolean ok = status == BenchRow.Status.OK;
            return new BenchRow(group.name(), workload.name(), workload.kind(), workload.precision(), workload.detail(),
                    target.backend(), target.device().name(), status, note, time, wall, workload.flops(),
                    ok ? weightBytes : 0, ok ? activationBytes : 0, ok ? deviceBytes : 0, ok ? highWater : 0,
                    ok ? rss : 0, ok ? peakRss : 0, fallbackNodes, null, stages);
        }

        void close() {
            if (prepared != null) {
                if (status == BenchRow.Status.OK) {
                    weightBytes = prepared.weightBytes();
                    activationBytes = prepared.activationBytes();
                    fallbackNodes = prepared.fallbackNodes();
                    highWater = target.device().allocatorStats().highWaterBytes();
                }
                try {
                    prepared.close();
                } catch (RuntimeException ignored) {
                    // closing is best effort
                }
                prepared = null;
            }
        }
    }
}
