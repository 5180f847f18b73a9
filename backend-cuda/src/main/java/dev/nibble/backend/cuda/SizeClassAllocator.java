package dev.nibble.backend.cuda;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching allocator over a slow backing allocator (cuMemAlloc/cuMemFree): requests are rounded
 * up to a size class, and freed blocks go to a free list of their class for reuse instead of back
 * to the driver. Classes: 512-byte steps up to 4 KiB, then eight steps per power of two (at most
 * 12.5 % rounding). When the backing allocator is out of memory the cached blocks are returned to
 * it and the request retried once. Thread-safe.
 *
 * <p>Reuse is safe for a device with one stream: a block freed after its last kernel was enqueued
 * is handed out again only to work enqueued later on the same stream.
 *
 * @param <H> the backing allocator's handle type (a device pointer)
 */
public final class SizeClassAllocator<H> {
    /** The memory being cached: allocate returns null when out of memory. */
    public interface Backing<H> {
        H allocate(long bytes);

        void free(H handle);
    }

    /** An allocation: its handle and the (rounded) size it occupies. */
    public record Block<H>(H handle, long bytes) {
    }

    /** Thrown when even after releasing the cache the backing allocator has no room. */
    public static final class OutOfMemory extends RuntimeException {
        public OutOfMemory(long bytes) {
            super("out of memory for " + bytes + " bytes");
        }
    }

    /** In-use and cached bytes now, and the peaks of in-use and of reserved (in use + cached). */
    public record Stats(long inUse, long cached, long highWater, long reservedHighWater, long backingAllocs,
                        long reuses) {
        public long reserved() {
            return inUse + cached;
        }
    }

    static final long MIN_CLASS = 512;

    private final Backing<H> backing;
    private final TreeMap<Long, ArrayDeque<H>> free = new TreeMap<>();
    private long inUse;
    private long cached;
    private long highWater;
    private long reservedHighWater;
    private long backingAllocs;
    private long reuses;
    /** A cap on cached bytes (older entries are freed past it); Long.MAX_VALUE = keep all. */
    private final long cacheLimit;

    public SizeClassAllocator(Backing<H> backing) {
        this(backing, Long.MAX_VALUE);
    }

    public SizeClassAllocator(Backing<H> backing, long cacheLimit) {
        this.backing = backing;
        this.cacheLimit = cacheLimit;
    }

    /** The size class of a request of {@code bytes} (≥ 1). */
    public static long sizeClass(long bytes) {
        if (bytes <= 0) {
            return MIN_CLASS;
        }
        long step = Math.max(MIN_CLASS, Long.highestOneBit(bytes - 1 | 1) / 8);
        if (bytes <= 4096) {
            step = MIN_CLASS;
        }
        return Math.addExact(bytes, step - 1) / step * step;
    }

    public synchronized Block<H> allocate(long bytes) {
        long c = sizeClass(bytes);
        ArrayDeque<H> list = free.get(c);
        H h;
        if (list != null && !list.isEmpty()) {
            h = list.pop();
            cached -= c;
            reuses++;
        } else {
            h = backing.allocate(c);
            if (h == null) {
                releaseCache();
                h = backing.allocate(c);
                if (h == null) {
                    throw new OutOfMemory(c);
                }
            }
            backingAllocs++;
        }
        inUse += c;
        highWater = Math.max(highWater, inUse);
        reservedHighWater = Math.max(reservedHighWater, inUse + cached);
        return new Block<>(h, c);
    }

    /** Returns a block to its free list (or to the backing allocator past the cache limit). */
    public synchronized void release(Block<H> b) {
        inUse -= b.bytes();
        if (cached + b.bytes() > cacheLimit) {
            backing.free(b.handle());
            return;
        }
        free.computeIfAbsent(b.bytes(), k -> new ArrayDeque<>()).push(b.handle());
        cached += b.bytes();
    }

    /** Frees every cached block to the backing allocator. */
    public synchronized void releaseCache() {
        for (Map.Entry<Long, ArrayDeque<H>> e : free.entrySet()) {
            for (H h : e.getValue()) {
                backing.free(h);
            }
        }
        free.clear();
        cached = 0;
    }

    public synchronized Stats stats() {
        return new Stats(inUse, cached, highWater, reservedHighWater, backingAllocs, reuses);
    }
}
