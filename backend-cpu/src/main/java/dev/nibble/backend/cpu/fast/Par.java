package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuPool;

/** Splits index ranges over the shared CPU pool; small ranges run inline on the caller. */
final class Par {
    /** Elements below which a memory-bound loop is not worth handing to the pool. */
    static final long GRAIN = 1 << 15;

    private Par() {
    }

    interface Range {
        void run(long from, long to);
    }

    /** body over [0, n) in contiguous pieces of at least {@code grain} elements (about 4 per worker). */
    static void range(long n, long grain, Range body) {
        if (n <= 0) {
            return;
        }
        int workers = CpuPool.threads();
        long pieces = Math.min(4L * workers, Math.max(1, n / Math.max(1, grain)));
        if (pieces <= 1 || workers == 1) {
            body.run(0, n);
            return;
        }
        int p = (int) pieces;
        CpuPool.parallelFor(p, i -> body.run(n * i / p, n * (i + 1) / p));
    }

    /** body over rows [0, rows), each row costing about {@code rowCost} elements of work. */
    static void rows(long rows, long rowCost, Range body) {
        long grain = Math.max(1, GRAIN / Math.max(1, rowCost));
        range(rows, grain, body);
    }
}
