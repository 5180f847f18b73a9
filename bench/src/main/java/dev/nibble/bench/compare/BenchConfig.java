package dev.nibble.bench.compare;

/**
 * How a benchmark run repeats and bounds its work.
 *
 * @param warmup            unmeasured runs per cell before the measured ones (compilation, uploads, JIT)
 * @param warmupSeconds     keep warming up (up to {@link #MAX_WARMUP_RUNS} runs) until this much wall time has
 *                          passed, so the JIT has compiled the Java kernels before measuring
 * @param reps              measured repetitions per cell (round-robin over the group's cells)
 * @param maxSecondsPerRow  a cell stops repeating once it has {@code minReps} measured runs adding up to
 *                          this many seconds (wall time); 0 = no limit
 * @param minReps           the fewest repetitions a cell is cut down to
 * @param allowFallback     model workloads may run nodes the device lacks on the CPU (the row counts them);
 *                          op workloads are always strict
 */
public record BenchConfig(int warmup, double warmupSeconds, int reps, double maxSecondsPerRow, int minReps,
                          boolean allowFallback) {
    /** The most warm-up runs a time-based warm-up makes. */
    public static final int MAX_WARMUP_RUNS = 200;

    public BenchConfig {
        if (warmup < 0) {
            throw new IllegalArgumentException("warm-up runs must be >= 0, got " + warmup);
        }
        if (reps < 1) {
            throw new IllegalArgumentException("repetitions must be >= 1, got " + reps);
        }
        if (minReps < 1 || minReps > reps) {
            minReps = Math.min(Math.max(1, minReps), reps);
        }
        if (warmupSeconds < 0) {
            throw new IllegalArgumentException("warm-up seconds must be >= 0, got " + warmupSeconds);
        }
        if (maxSecondsPerRow < 0) {
            throw new IllegalArgumentException("max seconds per row must be >= 0, got " + maxSecondsPerRow);
        }
    }

    /** --quick: at least one warm-up run and 0.3 s; five repetitions, cut to two once a row has taken 1.5 s. */
    public static BenchConfig quick() {
        return new BenchConfig(1, 0.3, 5, 1.5, 2, false);
    }

    /** Full runs: at least two warm-up runs and 1 s; ten repetitions, cut to three once a row has taken 60 s. */
    public static BenchConfig full() {
        return new BenchConfig(2, 1, 10, 60, 3, false);
    }

    public BenchConfig withWarmup(int w) {
        return new BenchConfig(w, warmupSeconds, reps, maxSecondsPerRow, minReps, allowFallback);
    }

    public BenchConfig withWarmupSeconds(double s) {
        return new BenchConfig(warmup, s, reps, maxSecondsPerRow, minReps, allowFallback);
    }

    public BenchConfig withReps(int r) {
        return new BenchConfig(warmup, warmupSeconds, r, maxSecondsPerRow, Math.min(minReps, r), allowFallback);
    }

    public BenchConfig withMaxSecondsPerRow(double s) {
        return new BenchConfig(warmup, warmupSeconds, reps, s, minReps, allowFallback);
    }

    public BenchConfig withAllowFallback(boolean f) {
        return new BenchConfig(warmup, warmupSeconds, reps, maxSecondsPerRow, minReps, f);
    }
}
