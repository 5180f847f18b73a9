package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuPool;
import dev.nibble.engine.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A constant row-major matrix [M, K] (F32/F16/BF16) packed once as the A operand of the GEMM, in
 * F32: row panels of heights {@link Gemm#panelHeight} (MR, then 4, then 1), each K groups of h
 * values, so a KC slice of a panel is one contiguous run. Conv2d packs its weight [O, C·KH·KW] so.
 */
final class PackedA {
    final int m;
    final int k;
    final MemorySegment data;

    private PackedA(int m, int k) {
        this.m = m;
        this.k = k;
        this.data = Arena.ofAuto().allocate(Math.max(64, (long) m * k * 4), 64);
    }

    /** Byte offset of the slice at {@code k0} of the panel starting at row {@code r0} (height {@code h}). */
    long offset(int r0, int h, int k0) {
        return ((long) r0 * k + (long) k0 * h) * 4;
    }

    static PackedA pack(MemorySegment w, DType t, int m, int k) {
        PackedA pa = new PackedA(m, k);
        int panels = 0;
        for (int r0 = 0; r0 < m; r0 += Gemm.panelHeight(m, r0)) {
            panels++;
        }
        int[] starts = new int[panels];
        for (int r0 = 0, i = 0; r0 < m; r0 += Gemm.panelHeight(m, r0)) {
            starts[i++] = r0;
        }
        CpuPool.parallelFor(panels, i -> {
            int r0 = starts[i];
            int h = Gemm.panelHeight(m, r0);
            for (int r = 0; r < h; r++) {
                long row = (long) (r0 + r) * k;
                long dst = (long) r0 * k * 4 + 4L * r;
                for (int kk = 0; kk < k; kk++) {
                    pa.data.set(Bufs.F32, dst + (long) kk * h * 4, Bufs.getFloat(w, t, row + kk));
                }
            }
        });
        return pa;
    }
}
