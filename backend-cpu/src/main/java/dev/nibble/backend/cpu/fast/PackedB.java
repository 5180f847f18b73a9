package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuPool;
import dev.nibble.engine.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix W [N, K] (PyTorch layout, F32/F16/BF16) repacked as the B operand of
 * {@code x·Wᵀ}: ⌈N/32⌉ panels, each K rows of 32 consecutive output columns (zero-padded past N),
 * so the micro-kernel streams one panel with unit stride. F32 panels hold 32 floats per k; BF16
 * panels 32 bfloat16 values per k, column j in the low and column j+16 in the high half of 32-bit
 * lane j (widened in-register by a shift and a mask).
 */
final class PackedB {
    static final int NR = 32;

    final int n;
    final int k;
    final boolean bf16;
    final int panels;
    final MemorySegment data;

    private PackedB(int n, int k, boolean bf16) {
        this.n = n;
        this.k = k;
        this.bf16 = bf16;
        this.panels = Bufs.ceilDiv(n, NR);
        this.data = Arena.ofAuto().allocate(Math.max(64, (long) panels * k * NR * elemBytes()), 64);
    }

    int elemBytes() {
        return bf16 ? 2 : 4;
    }

    /** Byte offset of row {@code kk} of panel {@code p}. */
    long offset(int p, int kk) {
        return ((long) p * k + kk) * NR * elemBytes();
    }

    /** Whether a weight of type {@code t} is packed as BF16 (lossless only for BF16 weights). */
    static boolean packsAsBf16(DType t) {
        return t == DType.BF16 && !Boolean.getBoolean("nibble.fast.bf16AsF32");
    }

    /** Packs {@code w} [n, k] of type {@code t}, in parallel over panels. */
    static PackedB pack(MemorySegment w, DType t, int n, int k) {
        PackedB pb = new PackedB(n, k, packsAsBf16(t));
        CpuPool.parallelFor(pb.panels, p -> pb.packPanel(w, t, p));
        return pb;
    }

    private void packPanel(MemorySegment w, DType t, int p) {
        int cols = Math.min(NR, n - p * NR);
        long base = offset(p, 0);
        if (bf16) {
            for (int j = 0; j < cols; j++) {
                long src = (long) (p * NR + j) * k * 2;
                long lane = (j < 16 ? 2L * j : 2L * (j - 16) + 1) * 2;
                for (int kk = 0; kk < k; kk++) {
                    data.set(Bufs.I16, base + (long) kk * NR * 2 + lane, w.get(Bufs.I16, src + 2L * kk));
                }
            }
            return;
        }
        for (int j = 0; j < cols; j++) {
            long row = (long) (p * NR + j) * k;
            long dst = base + 4L * j;
            switch (t) {
                case F32 -> {
                    for (int kk = 0; kk < k; kk++) {
                        data.set(Bufs.F32, dst + (long) kk * NR * 4, w.getAtIndex(Bufs.F32, row + kk));
                    }
                }
                case F16 -> {
                    for (int kk = 0; kk < k; kk++) {
                        data.set(Bufs.F32, dst + (long) kk * NR * 4, Float.float16ToFloat(w.getAtIndex(Bufs.I16, row + kk)));
                    }
                }
                case BF16 -> {
                    for (int kk = 0; kk < k; kk++) {
                        data.set(Bufs.F32, dst + (long) kk * NR * 4,
                                Float.intBitsToFloat((w.getAtIndex(Bufs.I16, row + kk) & 0xffff) << 16));
                    }
                }
                default -> throw new IllegalArgumentException("weight type " + t);
            }
        }
    }

    long byteSize() {
        return data.byteSize();
    }
}
