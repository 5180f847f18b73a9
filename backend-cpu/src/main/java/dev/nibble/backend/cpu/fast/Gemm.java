package dev.nibble.backend.cpu.fast;

import dev.nibble.engine.ops.UnaryFn;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The packed SGEMM shared by Linear, Conv2d and Attention: C [M, N] (+)= A [M, K] · B [K, N] in
 * BLIS style. B comes as 32-column panels ({@link PackedB} layout), A as row panels of MR, 4 or 1
 * rows (k-major), both cut into KC-deep slices; each KC slice is summed in registers from zero and
 * then added to C (a blocked summation: error grows with KC + K/KC, not K). The last slice adds the
 * bias and applies the epilogue while the tile is still in registers/L1.
 */
final class Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    /** Rows of the main micro-kernel (its tile is MR×32: 2·MR accumulators). */
    static final int MR = Integer.getInteger("nibble.fast.mr", 8);
    /**
     * Depth of one K slice. Measured on Zen 5 (1 MiB L2): KC 512 with MC 384, i.e. a 768 KiB A block in
     * L2 reused across every B panel, each 64 KiB B micro-panel streaming from L2 across MC/MR
     * micro-kernel calls, beat KC 256 / MC 192 by ~15% at M 4096 (fewer passes over B, which is
     * larger than L3 for the big layers).
     */
    static final int KC = Integer.getInteger("nibble.fast.kc", 512);
    /** Rows of A per block (an L2-sized block of MC·KC floats). */
    static final int MC = Integer.getInteger("nibble.fast.mc", 384);
    static final int NR = PackedB.NR;
    /** Linear reads its A block from a heap copy of X's rows (bulk row copies) instead of k-major packing. */
    static final boolean ROW_A = !Boolean.getBoolean("nibble.fast.packA");

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final VectorMask<Float>[] MASKS = new VectorMask[17];

    static {
        for (int i = 0; i <= 16; i++) {
            MASKS[i] = S.indexInRange(0, i);
        }
    }

    private Gemm() {
    }

    /** Height of the row panel starting {@code r0} rows into a block of {@code rows}: MR, then 4, then 1. */
    static int panelHeight(int rows, int r0) {
        int rem = rows - r0;
        if (rem >= MR) {
            return MR;
        }
        if (rem >= 4) {
            return 4;
        }
        return 1;
    }

    /**
     * Packs rows {@code [m0, m0+rows)} × columns {@code [k0, k0+kc)} of a row-major F32 matrix with
     * row stride {@code ld} (floats) into row panels: panel at r0 of height h holds, at float offset
     * r0·kc, kc groups of h values. Scaled by {@code scale}.
     */
    static void packA(MemorySegment x, long ld, int m0, int rows, int k0, int kc, MemorySegment dst, float scale) {
        for (int r0 = 0; r0 < rows; ) {
            int h = panelHeight(rows, r0);
            long panel = (long) r0 * kc * 4;
            for (int i = 0; i < h; i++) {
                long src = ((m0 + r0 + i) * ld + k0) * 4;
                long d = panel + 4L * i;
                if (scale == 1f) {
                    for (int kk = 0; kk < kc; kk++) {
                        dst.set(Bufs.F32, d + (long) kk * h * 4, x.get(Bufs.F32, src + 4L * kk));
                    }
                } else {
                    for (int kk = 0; kk < kc; kk++) {
                        dst.set(Bufs.F32, d + (long) kk * h * 4, x.get(Bufs.F32, src + 4L * kk) * scale);
                    }
                }
            }
            r0 += h;
        }
    }

    static void micro(boolean bf16, int h, int kc, MemorySegment a, long aOff, MemorySegment b, long bOff, float[] t) {
        if (bf16) {
            Micro.bf16(h, kc, a, aOff, b, bOff, t);
        } else {
            Micro.f32(h, kc, a, aOff, b, bOff, t);
        }
    }

    /**
     * Writes (first slice) or adds a tile of {@code rows}×{@code cols} (row stride 32 in {@code t})
     * into C at byte offset {@code cOff} with row stride {@code ldc} floats; on the last slice adds
     * a column bias ({@code colBias[colOff + j]}) or row bias ({@code rowBias[rowOff + i]}) and
     * applies {@code fn}.
     */
    static void merge(float[] t, int rows, int cols, MemorySegment c, long cOff, long ldc, boolean first, boolean last,
                      float[] colBias, int colOff, float[] rowBias, int rowOff, UnaryFn fn) {
        for (int i = 0; i < rows; i++) {
            long rowOffB = cOff + i * ldc * 4;
            for (int j = 0; j < cols; j += 16) {
                int w = Math.min(16, cols - j);
                FloatVector v = FloatVector.fromArray(S, t, i * 32 + j);
                long off = rowOffB + 4L * j;
                if (w == 16) {
                    if (!first) {
                        v = v.add(FloatVector.fromMemorySegment(S, c, off, Bufs.LE));
                    }
                    if (last) {
                        v = epilogue(v, colBias, colOff + j, null, rowBias, rowOff + i, fn);
                    }
                    v.intoMemorySegment(c, off, Bufs.LE);
                } else {
                    VectorMask<Float> m = MASKS[w];
                    if (!first) {
                        v = v.add(FloatVector.fromMemorySegment(S, c, off, Bufs.LE, m));
                    }
                    if (last) {
                        v = epilogue(v, colBias, colOff + j, m, rowBias, rowOff + i, fn);
                    }
                    v.intoMemorySegment(c, off, Bufs.LE, m);
                }
            }
        }
    }

    private static FloatVector epilogue(FloatVector v, float[] colBias, int colOff, VectorMask<Float> m,
                                        float[] rowBias, int row, UnaryFn fn) {
        if (colBias != null) {
            v = v.add(m == null ? FloatVector.fromArray(S, colBias, colOff) : FloatVector.fromArray(S, colBias, colOff, m));
        }
        if (rowBias != null) {
            v = v.add(rowBias[row]);
        }
        return fn == UnaryFn.IDENTITY ? v : VMath.apply(fn, v);
    }

    /**
     * A GEMM plan for {@code y [M, N] = epilogue(x [M, K] · Wᵀ + bias)} with W packed once:
     * the work is cut into M blocks × N chunks handed out dynamically to the pool's workers.
     */
    static final class Plan {
        final int m;
        final int n;
        final int k;
        final int mc;
        final int mBlocks;
        final int nChunks;
        final int panelsPerChunk;
        final int panels;

        Plan(int m, int n, int k, int workers) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.panels = Bufs.ceilDiv(n, NR);
            int blocks = Math.max(1, Bufs.ceilDiv(m, MC));
            int rowsPer = Bufs.ceilDiv(m, blocks);
            this.mc = Math.min(MC, Math.max(1, Bufs.ceilDiv(rowsPer, MR) * MR));
            this.mBlocks = Math.max(1, Bufs.ceilDiv(m, mc));
            // enough tasks to balance the workers, but N chunks of at least 4 panels
            int want = workers == 1 ? 1 : Math.max(1, Bufs.ceilDiv(8 * workers, mBlocks));
            int chunks = Math.max(1, Math.min(want, panels / 4));
            this.panelsPerChunk = Bufs.ceilDiv(panels, chunks);
            this.nChunks = Bufs.ceilDiv(panels, panelsPerChunk);
        }

        int tasks() {
            return mBlocks * nChunks;
        }

        /** Scratch bytes one worker needs: one A block (off-heap when packed k-major, else on the heap). */
        long scratchBytes() {
            return (long) mc * Math.min(KC, Math.max(1, k)) * 4 + 64;
        }

        int heapFloats() {
            return mc * Math.min(KC, Math.max(1, k));
        }
    }

    /** Runs the plan with x as A (row-major, row stride K) and {@code b} as packed B. */
    static void linear(Plan plan, MemorySegment x, PackedB b, float[] bias, MemorySegment y, UnaryFn fn) {
        AtomicInteger next = new AtomicInteger();
        int tasks = plan.tasks();
        try (ScratchPool.Lease lease = ScratchPool.acquire()) {
            ScratchPool.forEachSlot(slot -> {
                MemorySegment a = lease.segment(slot);
                float[] ah = lease.heap(slot);
                float[] tile = lease.tile(slot);
                for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
                    linearTask(plan, t, x, b, bias, y, fn, a, ah, tile);
                }
            });
        }
    }

    private static void linearTask(Plan plan, int task, MemorySegment x, PackedB b, float[] bias, MemorySegment y,
                                   UnaryFn fn, MemorySegment a, float[] ah, float[] tile) {
        int ib = task / plan.nChunks;
        int jc = task % plan.nChunks;
        int m0 = ib * plan.mc;
        int rows = Math.min(plan.mc, plan.m - m0);
        int p0 = jc * plan.panelsPerChunk;
        int p1 = Math.min(plan.panels, p0 + plan.panelsPerChunk);
        int k = plan.k;
        int n = plan.n;
        boolean bf16 = b.bf16;
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            boolean first = k0 == 0;
            boolean last = k0 + kc == k;
            if (ROW_A) {
                for (int i = 0; i < rows; i++) {
                    MemorySegment.copy(x, Bufs.F32, ((long) (m0 + i) * k + k0) * 4, ah, i * kc, kc);
                }
            } else {
                packA(x, k, m0, rows, k0, kc, a, 1f);
            }
            for (int p = p0; p < p1; p++) {
                long bOff = b.offset(p, k0);
                int cols = Math.min(NR, n - p * NR);
                for (int r0 = 0; r0 < rows; ) {
                    int h = panelHeight(rows, r0);
                    if (ROW_A) {
                        if (bf16) {
                            Micro.bf16h(h, kc, ah, r0 * kc, kc, b.data, bOff, tile, 0, NR);
                        } else {
                            Micro.f32h(h, kc, ah, r0 * kc, kc, b.data, bOff, tile, 0, NR);
                        }
                    } else {
                        micro(bf16, h, kc, a, (long) r0 * kc * 4, b.data, bOff, tile);
                    }
                    merge(tile, h, cols, y, ((long) (m0 + r0) * n + (long) p * NR) * 4, n, first, last,
                            bias, p * NR, null, 0, fn);
                    r0 += h;
                }
            }
        }
    }
}
