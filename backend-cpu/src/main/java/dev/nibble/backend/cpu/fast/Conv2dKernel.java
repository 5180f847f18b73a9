package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Conv2d as a GEMM per image: Y [O, OH·OW] = W [O, C·KH·KW] · im2col(X) [C·KH·KW, OH·OW]. The weight
 * is packed once as the A operand (row panels); im2col is never materialised whole: each task packs
 * the KC×(its 32-column panels) slice it is about to use straight from X into its worker's scratch
 * (vector copies with padding masks on unit-stride rows), so the scratch is a few hundred KiB
 * whatever the image size. Output is written NCHW directly, bias added in the last K slice.
 */
final class Conv2dKernel implements Kernel, ScratchUser {
    static final CpuKernelFactory FACTORY = new CpuKernelFactory() {
        @Override
        public Kernel create(Node node) {
            return new Conv2dKernel(node);
        }
    };

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    private static final int NR = 32;
    /** Output positions per task (a multiple of 32). */
    static final int NC = Integer.getInteger("nibble.fast.conv.nc", 512);
    private static final int L2_BYTES = 768 * 1024;

    private final Conv2d op;
    private final int b;
    private final int c;
    private final int ih;
    private final int iw;
    private final int o;
    private final int kh;
    private final int kw;
    private final int oh;
    private final int ow;
    private final int p;
    private final int k;
    private final int kc;
    private final int nc;
    private final int chunks;
    private final int oGroups;
    private final int[] groupStart;
    private final DType wType;
    private final DType biasType;
    private final float[] bias;
    private long packedAddress;
    private long packedSize;
    private long packedFingerprint;
    private PackedA packed;

    Conv2dKernel(Node node) {
        this.op = (Conv2d) node.op();
        Shape x = node.inputs().get(0).spec().shape();
        Shape w = node.inputs().get(1).spec().shape();
        Shape y = node.outputs().get(0).spec().shape();
        this.b = x.dim(0);
        this.c = x.dim(1);
        this.ih = x.dim(2);
        this.iw = x.dim(3);
        this.o = w.dim(0);
        this.kh = w.dim(2);
        this.kw = w.dim(3);
        this.oh = y.dim(2);
        this.ow = y.dim(3);
        this.p = oh * ow;
        this.k = c * kh * kw;
        this.kc = Math.max(1, Math.min(Gemm.KC, k));
        this.wType = node.inputs().get(1).spec().dtype();
        this.biasType = op.hasBias() ? node.inputs().get(2).spec().dtype() : null;
        this.bias = op.hasBias() ? new float[o] : null;
        int workers = ScratchPool.slots();
        // B slice (kc×nc) and the C accumulators (O×nc) together in about 3/4 of L2
        int fit = Math.max(NR, (L2_BYTES / 4 / (kc + o)) / NR * NR);
        int spread = Bufs.ceilDiv(Bufs.ceilDiv(Math.max(p, 1), Math.max(1, 4 * workers / Math.max(1, b))), NR) * NR;
        this.nc = Math.max(NR, Math.min(Math.min(NC, fit), spread));
        this.chunks = Bufs.ceilDiv(Math.max(p, 1), nc);
        // split the output channels when there are too few (image, chunk) tasks
        int panels = 0;
        for (int r0 = 0; r0 < o; r0 += Gemm.panelHeight(o, r0)) {
            panels++;
        }
        int groups = Math.max(1, Math.min(panels, Bufs.ceilDiv(4 * workers, Math.max(1, b * chunks))));
        int[] starts = new int[groups + 1];
        int per = Bufs.ceilDiv(panels, groups);
        int gi = 0, pi = 0;
        for (int r0 = 0; r0 < o; r0 += Gemm.panelHeight(o, r0), pi++) {
            if (pi % per == 0) {
                starts[gi++] = r0;
            }
        }
        starts[gi] = o;
        this.oGroups = gi;
        this.groupStart = java.util.Arrays.copyOf(starts, gi + 1);
        ScratchPool.reserve(scratchBytesPerWorker());
    }

    @Override
    public long scratchBytesPerWorker() {
        return cOffset() + (long) o * nc * 4 + 64;
    }

    /** Byte offset of the C accumulators [rows of the group][nc] in a worker's scratch, after the B slice. */
    private long cOffset() {
        return ((long) kc * nc * 4 + 63) & ~63L;
    }

    @Override
    public synchronized void run(List<DeviceBuffer> inputs, List<DeviceBuffer> outputs) {
        MemorySegment x = Bufs.seg(inputs.get(0));
        MemorySegment w = Bufs.seg(inputs.get(1));
        MemorySegment y = Bufs.seg(outputs.get(0));
        if (bias != null) {
            Bufs.toFloats(Bufs.seg(inputs.get(2)), biasType, 0, bias, o);
        }
        if (b == 0 || o == 0 || p == 0) {
            return;
        }
        if (k == 0) {
            for (int bi = 0; bi < b; bi++) {
                for (int oi = 0; oi < o; oi++) {
                    for (int pi = 0; pi < p; pi++) {
                        y.setAtIndex(Bufs.F32, ((long) bi * o + oi) * p + pi, bias == null ? 0f : bias[oi]);
                    }
                }
            }
            return;
        }
        PackedA a = weights(w);
        int tasks = b * chunks * oGroups;
        AtomicInteger next = new AtomicInteger();
        try (ScratchPool.Lease lease = ScratchPool.acquire()) {
            ScratchPool.forEachSlot(slot -> {
                for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
                    task(t, x, a, y, lease.segment(slot), lease.tile(slot));
                }
            });
        }
    }

    private PackedA weights(MemorySegment w) {
        long fp = WeightCache.fingerprint(w);
        if (packed != null && w.address() == packedAddress && w.byteSize() == packedSize && fp == packedFingerprint) {
            return packed;
        }
        PackedA pa = WeightCache.get(WeightCache.key(w, wType, o, k, "A-f32"), w, () -> PackedA.pack(w, wType, o, k));
        packed = pa;
        packedAddress = w.address();
        packedSize = w.byteSize();
        packedFingerprint = fp;
        return pa;
    }

    private void task(int t, MemorySegment x, PackedA a, MemorySegment y, MemorySegment bs, float[] tile) {
        int g = t % oGroups;
        int rest = t / oGroups;
        int chunk = rest % chunks;
        int bi = rest / chunks;
        int p0 = chunk * nc;
        int cols = Math.min(nc, p - p0);
        int panels = Bufs.ceilDiv(cols, NR);
        int rStart = groupStart[g];
        int rEnd = groupStart[g + 1];
        long cs = cOffset();
        // accumulate in contiguous scratch: the output rows are OH·OW apart, often a power of two,
        // which would map every row of a tile to the same cache sets
        for (int k0 = 0; k0 < k; k0 += kc) {
            int kcur = Math.min(kc, k - k0);
            boolean first = k0 == 0;
            packB(x, bi, p0, cols, k0, kcur, bs);
            for (int r0 = rStart; r0 < rEnd; ) {
                int h = Gemm.panelHeight(o, r0);
                long aOff = a.offset(r0, h, k0);
                for (int jp = 0; jp < panels; jp++) {
                    Micro.f32(h, kcur, a.data, aOff, bs, (long) jp * kcur * NR * 4, tile);
                    Gemm.merge(tile, h, NR, bs, cs + ((long) (r0 - rStart) * nc + (long) jp * NR) * 4, nc, first, false,
                            null, 0, null, 0, UnaryFn.IDENTITY);
                }
                r0 += h;
            }
        }
        for (int r = rStart; r < rEnd; r++) {
            long src = cs + (long) (r - rStart) * nc * 4;
            long dst = (((long) bi * o + r) * p + p0) * 4;
            FloatVector bv = FloatVector.broadcast(S, bias == null ? 0f : bias[r]);
            int j = 0;
            for (; j + 16 <= cols; j += 16) {
                FloatVector.fromMemorySegment(S, bs, src + 4L * j, Bufs.LE).add(bv).intoMemorySegment(y, dst + 4L * j, Bufs.LE);
            }
            if (j < cols) {
                VectorMask<Float> m = S.indexInRange(j, cols);
                FloatVector.fromMemorySegment(S, bs, src + 4L * j, Bufs.LE).add(bv).intoMemorySegment(y, dst + 4L * j, Bufs.LE, m);
            }
        }
    }

    /** im2col slice: positions [p0, p0+cols) × k in [k0, k0+kcur) → panels [kcur][32], zero-padded. */
    private void packB(MemorySegment x, int bi, int p0, int cols, int k0, int kcur, MemorySegment dst) {
        int sh = op.strideH(), sw = op.strideW();
        int panels = Bufs.ceilDiv(cols, NR);
        long plane = (long) ih * iw;
        boolean pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && op.padTop() == 0 && op.padLeft() == 0
                && op.padBottom() == 0 && op.padRight() == 0;
        for (int kk = 0; kk < kcur; kk++) {
            int kidx = k0 + kk;
            int ci = kidx / (kh * kw);
            int r = kidx % (kh * kw);
            int ky = r / kw;
            int kx = r % kw;
            long src = ((long) bi * c + ci) * plane;
            for (int jp = 0; jp < panels; jp++) {
                long d = ((long) jp * kcur + kk) * NR * 4;
                int q0 = p0 + jp * NR;
                int n = Math.min(NR, p0 + cols - q0);
                if (pointwise) {
                    copyRow(x, (src + q0) * 4, n, 0, n, dst, d);
                    continue;
                }
                int oy = q0 / ow;
                int ox = q0 % ow;
                if (sw == 1 && ox + n <= ow) {
                    // one output row: a unit-stride run of an input row, masked at the padding
                    int y = oy * sh - op.padTop() + ky;
                    int x0 = ox - op.padLeft() + kx;
                    if (y < 0 || y >= ih) {
                        zero(dst, d);
                    } else {
                        int lo = Math.max(0, -x0), hi = Math.min(n, iw - x0);
                        copyRow(x, (src + (long) y * iw + x0) * 4, n, lo, hi, dst, d);
                    }
                    continue;
                }
                for (int j = 0; j < NR; j++) {
                    float v = 0f;
                    if (j < n) {
                        int y = oy * sh - op.padTop() + ky;
                        int xx = ox * sw - op.padLeft() + kx;
                        if (y >= 0 && y < ih && xx >= 0 && xx < iw) {
                            v = x.getAtIndex(Bufs.F32, src + (long) y * iw + xx);
                        }
                        if (++ox == ow) {
                            ox = 0;
                            oy++;
                        }
                    }
                    dst.set(Bufs.F32, d + 4L * j, v);
                }
            }
        }
    }

    private static void zero(MemorySegment dst, long d) {
        FloatVector z = FloatVector.zero(S);
        z.intoMemorySegment(dst, d, Bufs.LE);
        z.intoMemorySegment(dst, d + 64, Bufs.LE);
    }

    /** dst[j] = src[j] for j in [lo, hi), 0 elsewhere in [0, 32); src is a byte offset (may precede the row). */
    private static void copyRow(MemorySegment x, long src, int n, int lo, int hi, MemorySegment dst, long d) {
        for (int half = 0; half < 2; half++) {
            int j0 = half * 16;
            int a = Math.max(lo, j0), e = Math.min(hi, j0 + 16);
            if (a >= e) {
                FloatVector.zero(S).intoMemorySegment(dst, d + 4L * j0, Bufs.LE);
            } else if (a == j0 && e == j0 + 16) {
                FloatVector.fromMemorySegment(S, x, src + 4L * j0, Bufs.LE).intoMemorySegment(dst, d + 4L * j0, Bufs.LE);
            } else {
                // lanes [a, e) of this half: in range of e but not of a
                VectorMask<Float> valid = S.indexInRange(j0, e).andNot(S.indexInRange(j0, a));
                FloatVector.fromMemorySegment(S, x, src + 4L * j0, Bufs.LE, valid).intoMemorySegment(dst, d + 4L * j0, Bufs.LE);
            }
        }
    }
}
