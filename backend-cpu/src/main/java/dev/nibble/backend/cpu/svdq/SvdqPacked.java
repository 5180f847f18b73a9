package dev.nibble.backend.cpu.svdq;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One SVDQ layer's weights re-laid for the fast kernel, built once per weight set and shared by every
 * kernel that runs the same tensors (one graph per shape key compiles the same layer several times).
 *
 * <ul>
 *   <li>{@code wq} (unless {@link #copyWeights} is off): the same int4 bytes as {@code qweight}, transposed into column panels of
 *       {@link SvdqFast#NC} output channels: byte {@code [panel][j][c]} holds k = 2j (low nibble) and
 *       k = 2j+1 (high nibble) of channel {@code panel·NC + c}. Channels past N are zero. Off-heap.</li>
 *   <li>{@code ws} [Kp/G, Np], {@code upT} [rp, Np] (proj_up transposed), {@code bias} [Np]: float32,
 *       zero-padded to Np (N rounded up to NC).</li>
 *   <li>{@code down} [K, rp]: proj_down with the rank padded to a whole float vector.</li>
 * </ul>
 *
 * <p>The cache is keyed by the input segments' addresses and sizes plus a hash of their bytes, so a
 * tensor that reuses freed memory is never mistaken for the old one. Entries are weak: a pack lives as
 * long as a kernel holds it. Weights must not be modified in place while kernels use them.
 */
final class SvdqPacked {
    final int n;
    final int k;
    final int kp;
    final int g;
    final int r;
    final int rp;
    final int np;
    final int panels;
    /** The transposed copy, or null when the kernel reads {@link #qweight} in place. */
    final MemorySegment wq;
    /** The layer's own qweight [N, Kp/2] (a view of the caller's tensor, e.g. a mapped file). */
    final MemorySegment qweight;
    final float[] ws;
    final float[] smooth;
    final float[] down;
    final float[] upT;
    final float[] bias;

    private SvdqPacked(int n, int k, int kp, int g, int r, int rp, int np, MemorySegment wq, MemorySegment qweight,
                       float[] ws,
                       float[] smooth, float[] down, float[] upT, float[] bias) {
        this.n = n;
        this.k = k;
        this.kp = kp;
        this.g = g;
        this.r = r;
        this.rp = rp;
        this.np = np;
        this.panels = np / SvdqFast.NC;
        this.wq = wq;
        this.qweight = qweight;
        this.ws = ws;
        this.smooth = smooth;
        this.down = down;
        this.upT = upT;
        this.bias = bias;
    }

    /** Addresses, sizes and a content hash of a layer's weight inputs. */
    record Key(long[] where, long hash) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && hash == other.hash && Arrays.equals(where, other.where);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(hash) * 31 + Arrays.hashCode(where);
        }
    }

    /**
     * Whether packs keep a transposed copy of qweight, unpacked with vector loads (default), or read the
     * caller's tensor in place with a scalar gather ({@code -Dnibble.svdq.copyWeights=false}): no second
     * copy of the 4-bit weights (0.5 byte per weight less resident memory), about 8% slower at
     * 512×3072×3072 on one Zen 5 core.
     */
    static volatile boolean copyWeights = !"false".equals(System.getProperty("nibble.svdq.copyWeights"));

    private static final Map<Key, WeakReference<SvdqPacked>> CACHE = new ConcurrentHashMap<>();

    /** Addresses and sizes of the weight segments (inputs 1..): the cheap identity a kernel checks per run. */
    static long[] where(MemorySegment[] weights) {
        long[] w = new long[weights.length * 2];
        for (int i = 0; i < weights.length; i++) {
            w[2 * i] = weights[i] == null ? 0 : weights[i].address();
            w[2 * i + 1] = weights[i] == null ? -1 : weights[i].byteSize();
        }
        return w;
    }

    /** The pack for these weights: from the cache when the same bytes were packed before, else built now. */
    static SvdqPacked get(SvdqReference.Dims d, MemorySegment[] weights) {
        Key key = new Key(where(weights), contentHash(weights));
        WeakReference<SvdqPacked> ref = CACHE.get(key);
        SvdqPacked p = ref == null ? null : ref.get();
        if (p != null) {
            return p;
        }
        p = build(d, weights);
        CACHE.put(key, new WeakReference<>(p));
        CACHE.values().removeIf(v -> v.get() == null);
        return p;
    }

    static long contentHash(MemorySegment[] weights) {
        long h = 0x9E3779B97F4A7C15L;
        for (MemorySegment s : weights) {
            if (s == null) {
                h = h * 31 + 7;
                continue;
            }
            long size = s.byteSize();
            long i = 0;
            for (; i + 8 <= size; i += 8) {
                h = (h ^ s.get(ValueLayout.JAVA_LONG_UNALIGNED, i)) * 0x100000001B3L;
                h ^= h >>> 29;
            }
            for (; i < size; i++) {
                h = (h ^ s.get(ValueLayout.JAVA_BYTE, i)) * 0x100000001B3L;
            }
            h = h * 31 + size;
        }
        return h;
    }

    /** weights: qweight, wscales, smooth_factor, proj_down, proj_up, bias (or null). */
    static SvdqPacked build(SvdqReference.Dims d, MemorySegment[] weights) {
        int nc = SvdqFast.NC;
        int np = (d.n() + nc - 1) / nc * nc;
        int lf = SvdqFast.LF;
        int rp = (d.r() + lf - 1) / lf * lf;
        int half = d.kp() / 2;
        boolean copy = copyWeights;
        MemorySegment wq = copy ? Arena.ofAuto().allocate(Math.max(1, (long) np * half), 64) : null;
        byte[] row = new byte[half];
        for (int o = 0; copy && o < d.n(); o++) {
            MemorySegment.copy(weights[0], ValueLayout.JAVA_BYTE, (long) o * half, row, 0, half);
            int panel = o / nc;
            long base = (long) panel * half * nc + SvdqFast.lanePosition(o % nc);
            for (int j = 0; j < half; j++) {
                wq.set(ValueLayout.JAVA_BYTE, base + (long) j * nc, row[j]);
            }
        }
        int groups = d.kp() / d.g();
        float[] wsIn = SvdqMath.readFloats(weights[1], d.wsType(), groups * d.n());
        float[] ws = new float[groups * np];
        for (int gi = 0; gi < groups; gi++) {
            System.arraycopy(wsIn, gi * d.n(), ws, gi * np, d.n());
        }
        float[] smooth = SvdqMath.readFloats(weights[2], d.smoothType(), d.k());
        float[] downIn = SvdqMath.readFloats(weights[3], d.downType(), d.k() * d.r());
        float[] down = new float[d.k() * rp];
        for (int kk = 0; kk < d.k(); kk++) {
            System.arraycopy(downIn, kk * d.r(), down, kk * rp, d.r());
        }
        float[] upIn = SvdqMath.readFloats(weights[4], d.upType(), d.n() * d.r());
        float[] upT = new float[rp * np];
        for (int o = 0; o < d.n(); o++) {
            for (int j = 0; j < d.r(); j++) {
                upT[j * np + o] = upIn[o * d.r() + j];
            }
        }
        float[] bias = new float[np];
        if (weights[5] != null) {
            System.arraycopy(SvdqMath.readFloats(weights[5], d.biasType(), d.n()), 0, bias, 0, d.n());
        }
        return new SvdqPacked(d.n(), d.k(), d.kp(), d.g(), d.r(), rp, np, wq, copy ? null : weights[0], ws, smooth,
                down, upT, bias);
    }
}
