package dev.nibble.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * The one thread pool every fast CPU kernel shares (all cores; {@code nibble.cpu.threads} or
 * {@code NIBBLE_CPU_THREADS} caps it), so kernels never oversubscribe the machine.
 */
public final class CpuPool {
    private static final ForkJoinPool POOL = new ForkJoinPool(threads());

    private CpuPool() {
    }

    public static int threads() {
        String p = System.getProperty("nibble.cpu.threads", System.getenv("NIBBLE_CPU_THREADS"));
        int cores = Runtime.getRuntime().availableProcessors();
        if (p != null && !p.isBlank()) {
            try {
                return Math.max(1, Math.min(cores * 4, Integer.parseInt(p.trim())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("nibble.cpu.threads / NIBBLE_CPU_THREADS must be a number, got '" + p + "'");
            }
        }
        return cores;
    }

    public static ForkJoinPool pool() {
        return POOL;
    }

    /** Body in parallel over tasks [0, n); each task index runs exactly once. Runs inline when n is 1. */
    public static void parallelFor(int n, java.util.function.IntConsumer body) {
        if (n <= 0) {
            return;
        }
        if (n == 1 || POOL.getParallelism() == 1) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        if (java.util.concurrent.ForkJoinTask.getPool() == POOL) {
            // already inside a pool task: run inline rather than nesting parallelism
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        POOL.submit(() -> IntStream.range(0, n).parallel().forEach(body)).join();
    }
}
