package dev.nibble.backend.cpu.fast;

import dev.nibble.engine.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Packed copies of constant weights, shared by every kernel that uses the same weight memory. The
 * key is the weight segment's address and size plus the layout asked for; a sampled fingerprint of
 * the contents guards against memory being freed and reused for other data at the same address.
 * Entries are weakly held: a packed copy lives as long as some kernel holds it.
 */
final class WeightCache {
    record Key(long address, long byteSize, DType dtype, int rows, int cols, String layout) {
    }

    private record Entry(long fingerprint, WeakReference<Object> value) {
    }

    private static final Map<Key, Entry> MAP = new HashMap<>();

    private WeightCache() {
    }

    static Key key(MemorySegment w, DType dtype, int rows, int cols, String layout) {
        return new Key(w.address(), w.byteSize(), dtype, rows, cols, layout);
    }

    /** The cached value for {@code key} whose contents still match {@code w}, or a fresh {@code make.get()}. */
    @SuppressWarnings("unchecked")
    static <T> T get(Key key, MemorySegment w, Supplier<T> make) {
        long fp = fingerprint(w);
        synchronized (MAP) {
            Entry e = MAP.get(key);
            if (e != null && e.fingerprint == fp) {
                Object v = e.value.get();
                if (v != null) {
                    return (T) v;
                }
            }
        }
        T v = make.get();
        synchronized (MAP) {
            MAP.values().removeIf(x -> x.value.get() == null);
            MAP.put(key, new Entry(fp, new WeakReference<>(v)));
        }
        return v;
    }

    /** A hash of 64 evenly spread 8-byte samples and the last bytes (cheap: no full pass over the weight). */
    static long fingerprint(MemorySegment w) {
        long n = w.byteSize();
        long h = 0x9E3779B97F4A7C15L ^ n;
        if (n < 8) {
            for (long i = 0; i < n; i++) {
                h = (h ^ w.get(ValueLayout.JAVA_BYTE, i)) * 0x100000001B3L;
            }
            return h;
        }
        for (int s = 0; s < 64; s++) {
            long off = Math.min(n - 8, (n / 64) * s) & ~7L;
            h = (h ^ w.get(ValueLayout.JAVA_LONG_UNALIGNED, off)) * 0xff51afd7ed558ccdL;
            h ^= h >>> 29;
        }
        h = (h ^ w.get(ValueLayout.JAVA_LONG_UNALIGNED, n - 8)) * 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 31);
    }
}
