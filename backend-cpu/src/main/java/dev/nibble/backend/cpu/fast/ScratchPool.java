package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-worker scratch memory shared by all fast kernels: one off-heap segment and one small heap
 * tile per worker slot of {@link CpuPool}. Kernels {@link #reserve} what they need when they are
 * compiled (so a run never allocates) and {@link #acquire} the pool for the duration of a run: runs
 * of kernels that use scratch are serialised, which costs nothing since they all share the one
 * CPU pool anyway. Worker slot {@code s} of a {@link #forEachSlot} body owns slot {@code s}'s memory.
 */
final class ScratchPool {
    /** Floats in each slot's heap tile: the largest micro-kernel tile (12×32) and row statistics. */
    static final int TILE_FLOATS = 4096;

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final int SLOTS = CpuPool.threads();
    private static final MemorySegment[] SEGMENTS = new MemorySegment[SLOTS];
    private static final float[][] TILES = new float[SLOTS][TILE_FLOATS];
    private static final float[][] HEAP = new float[SLOTS][0];
    private static long bytesPerSlot;

    private ScratchPool() {
    }

    static int slots() {
        return SLOTS;
    }

    /** Makes every slot hold at least {@code bytes} (called at kernel creation). */
    static void reserve(long bytes) {
        LOCK.lock();
        try {
            if (bytes <= bytesPerSlot) {
                return;
            }
            long size = Math.max(bytes, Math.min(2 * bytesPerSlot, bytes + (1 << 20)));
            size = (size + 4095) & ~4095L;
            for (int i = 0; i < SLOTS; i++) {
                SEGMENTS[i] = Arena.ofAuto().allocate(size, 4096);
            }
            bytesPerSlot = size;
        } finally {
            LOCK.unlock();
        }
    }

    /** Makes every slot's heap array hold at least {@code floats} (called at kernel creation). */
    static void reserveHeap(int floats) {
        LOCK.lock();
        try {
            if (floats <= HEAP[0].length) {
                return;
            }
            for (int i = 0; i < SLOTS; i++) {
                HEAP[i] = new float[floats];
            }
        } finally {
            LOCK.unlock();
        }
    }

    /** Bytes of scratch now held by all slots together. */
    static long reservedBytes() {
        LOCK.lock();
        try {
            return (bytesPerSlot + 4L * HEAP[0].length + 4L * TILE_FLOATS) * SLOTS;
        } finally {
            LOCK.unlock();
        }
    }

    /** Locks the pool for one kernel run; close the lease to release it. */
    static Lease acquire() {
        LOCK.lock();
        return LEASE;
    }

    private static final Lease LEASE = new Lease();

    /** The pool, locked by the current thread. */
    static final class Lease implements AutoCloseable {
        MemorySegment segment(int slot) {
            return SEGMENTS[slot];
        }

        float[] tile(int slot) {
            return TILES[slot];
        }

        float[] heap(int slot) {
            return HEAP[slot];
        }

        @Override
        public void close() {
            LOCK.unlock();
        }
    }

    /** Runs {@code body(slot)} once for every worker slot, in parallel on the CPU pool. */
    static void forEachSlot(java.util.function.IntConsumer body) {
        CpuPool.parallelFor(SLOTS, body);
    }
}
