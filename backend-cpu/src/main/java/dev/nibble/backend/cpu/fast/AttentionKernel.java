package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.Shape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Flash-style attention: for each (batch, head, range of queries) the keys are visited in blocks of
 * BK with an online softmax (running max and sum per query row, the output accumulator rescaled when
 * the max grows), so the Lq×Lk score matrix never exists: the scratch is the head's K and V packed
 * for the micro-kernel (linear in Lk) plus a few blocks. Scores and P·V both run on the register-
 * blocked micro-kernel; fully masked causal blocks are skipped. A row whose every score is −∞
 * yields zeros, as the reference kernel.
 */
final class AttentionKernel implements Kernel, ScratchUser {
    static final CpuKernelFactory FACTORY = new CpuKernelFactory() {
        @Override
        public Kernel create(Node node) {
            return new AttentionKernel(node);
        }
    };

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    /** Query rows whose accumulators stay in L1/L2 while a key block streams past. */
    static final int QB = 64;
    /** Keys per block (scores for MR rows × BK keys at a time). */
    static final int BK = 256;
    private static final int NR = 32;

    private final Attention op;
    private final int b;
    private final int h;
    private final int lq;
    private final int lk;
    private final int d;
    private final int dv;
    private final int dvp;
    private final int kPanels;
    private final int queryTasks;
    private final int rowsPerTask;
    private final long[] maskStrides;
    // heap scratch layout (floats)
    private final int qOff;
    private final int sOff;
    private final int oOff;
    private final int mOff;
    private final int lOff;
    private final int aOff;
    private final int heapFloats;
    // segment scratch layout (bytes)
    private final long vBytesOff;
    private final long segBytes;

    AttentionKernel(Node node) {
        this.op = (Attention) node.op();
        Shape q = node.inputs().get(0).spec().shape();
        Shape v = node.inputs().get(2).spec().shape();
        this.b = q.dim(0);
        this.h = q.dim(1);
        this.lq = q.dim(2);
        this.d = q.dim(3);
        this.lk = node.inputs().get(1).spec().shape().dim(2);
        this.dv = v.dim(3);
        this.dvp = Bufs.ceilDiv(Math.max(dv, 1), NR) * NR;
        this.kPanels = Bufs.ceilDiv(Math.max(lk, 1), NR);
        if (op.hasMask()) {
            Shape m = node.inputs().get(3).spec().shape();
            long[] st = m.strides();
            maskStrides = new long[4];
            for (int i = 0; i < 4; i++) {
                maskStrides[i] = m.dim(i) == 1 ? 0 : st[i];
            }
        } else {
            maskStrides = null;
        }
        int workers = ScratchPool.slots();
        int heads = Math.max(1, b * h);
        int split = Math.max(1, Math.min(Bufs.ceilDiv(Math.max(lq, 1), QB), Bufs.ceilDiv(4 * workers, heads)));
        this.rowsPerTask = Bufs.ceilDiv(Bufs.ceilDiv(Math.max(lq, 1), split), QB) * QB;
        this.queryTasks = Bufs.ceilDiv(Math.max(lq, 1), rowsPerTask);
        // heap: Q rows [QB][d], scores [MR][BK], O accumulators [QB][dvp], m, l, alpha [QB]
        this.qOff = 0;
        this.sOff = qOff + QB * Math.max(d, 1);
        this.oOff = sOff + Gemm.MR * BK;
        this.mOff = oOff + QB * dvp;
        this.lOff = mOff + QB;
        this.aOff = lOff + QB;
        this.heapFloats = aOff + QB + 16;
        // segment: K as kPanels panels [d][32], V as dvp/32 panels [lk][32]
        this.vBytesOff = (long) kPanels * NR * Math.max(d, 1) * 4;
        this.segBytes = vBytesOff + (long) (dvp / NR) * kPanels * NR * NR * 4 + 64;
        ScratchPool.reserve(segBytes);
        ScratchPool.reserveHeap(heapFloats);
    }

    @Override
    public long scratchBytesPerWorker() {
        return segBytes + 4L * heapFloats;
    }

    @Override
    public synchronized void run(List<DeviceBuffer> inputs, List<DeviceBuffer> outputs) {
        MemorySegment qs = Bufs.seg(inputs.get(0));
        MemorySegment ks = Bufs.seg(inputs.get(1));
        MemorySegment vs = Bufs.seg(inputs.get(2));
        MemorySegment mask = op.hasMask() ? Bufs.seg(inputs.get(3)) : null;
        MemorySegment out = Bufs.seg(outputs.get(0));
        int tasks = b * h * queryTasks;
        if (tasks == 0 || lq == 0 || dv == 0) {
            return;
        }
        AtomicInteger next = new AtomicInteger();
        try (ScratchPool.Lease lease = ScratchPool.acquire()) {
            ScratchPool.forEachSlot(slot -> {
                int packedHead = -1;
                for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
                    int head = t / queryTasks;
                    int qt = t % queryTasks;
                    MemorySegment seg = lease.segment(slot);
                    if (head != packedHead) {
                        packKV(ks, vs, head, seg);
                        packedHead = head;
                    }
                    int q0 = qt * rowsPerTask;
                    int q1 = Math.min(lq, q0 + rowsPerTask);
                    for (int r = q0; r < q1; r += QB) {
                        block(qs, mask, out, head, r, Math.min(QB, q1 - r), seg, lease.heap(slot), lease.tile(slot));
                    }
                }
            });
        }
    }

    /** Packs head {@code head}'s K into 32-key panels [d][32] and V into 32-column panels [lk][32]. */
    private void packKV(MemorySegment ks, MemorySegment vs, int head, MemorySegment seg) {
        long kBase = (long) head * lk * d;
        for (int p = 0; p < kPanels; p++) {
            long panel = (long) p * NR * d * 4;
            int cols = Math.min(NR, lk - p * NR);
            for (int j = 0; j < cols; j++) {
                long src = (kBase + (long) (p * NR + j) * d) * 4;
                long dst = panel + 4L * j;
                for (int kk = 0; kk < d; kk++) {
                    seg.set(Bufs.F32, dst + (long) kk * NR * 4, ks.get(Bufs.F32, src + 4L * kk));
                }
            }
            for (int j = cols; j < NR; j++) {
                for (int kk = 0; kk < d; kk++) {
                    seg.set(Bufs.F32, panel + 4L * j + (long) kk * NR * 4, 0f);
                }
            }
        }
        long vBase = (long) head * lk * dv;
        long vPanelBytes = (long) kPanels * NR * NR * 4;
        for (int pd = 0; pd < dvp / NR; pd++) {
            int cols = Math.min(NR, dv - pd * NR);
            long panel = vBytesOff + pd * vPanelBytes;
            for (int j = 0; j < lk; j++) {
                long src = (vBase + (long) j * dv + (long) pd * NR) * 4;
                long dst = panel + (long) j * NR * 4;
                if (cols == NR) {
                    FloatVector.fromMemorySegment(S, vs, src, Bufs.LE).intoMemorySegment(seg, dst, Bufs.LE);
                    FloatVector.fromMemorySegment(S, vs, src + 64, Bufs.LE).intoMemorySegment(seg, dst + 64, Bufs.LE);
                } else {
                    for (int c = 0; c < NR; c++) {
                        seg.set(Bufs.F32, dst + 4L * c, c < cols ? vs.get(Bufs.F32, src + 4L * c) : 0f);
                    }
                }
            }
        }
    }

    /** Queries [r, r + rows) of one head against all keys. */
    private void block(MemorySegment qs, MemorySegment mask, MemorySegment out, int head, int r, int rows,
                       MemorySegment seg, float[] hp, float[] tile) {
        int bi = head / h;
        int hi = head % h;
        // Q rows, scaled
        long qBase = ((long) head * lq + r) * d;
        float scale = op.scale();
        for (int i = 0; i < rows; i++) {
            for (int kk = 0; kk < d; kk++) {
                hp[qOff + i * d + kk] = qs.getAtIndex(Bufs.F32, qBase + (long) i * d + kk) * scale;
            }
        }
        for (int i = 0; i < rows; i++) {
            hp[mOff + i] = Float.NEGATIVE_INFINITY;
            hp[lOff + i] = 0f;
        }
        java.util.Arrays.fill(hp, oOff, oOff + rows * dvp, 0f);
        int lastRow = r + rows - 1;
        for (int k0 = 0; k0 < lk; k0 += BK) {
            int bk = Math.min(BK, lk - k0);
            if (op.causal() && k0 > lastRow) {
                break;
            }
            for (int r0 = 0; r0 < rows; ) {
                int mr = Gemm.panelHeight(rows, r0);
                int row0 = r + r0;
                if (op.causal() && k0 > row0 + mr - 1) {
                    r0 += mr;
                    continue;
                }
                // scores S[mr][bk] = Q·Kᵀ (scaled)
                int panels = Bufs.ceilDiv(bk, NR);
                for (int p = 0; p < panels; p++) {
                    long bOff = (long) (k0 / NR + p) * NR * d * 4;
                    if (d == 0) {
                        for (int i = 0; i < mr; i++) {
                            java.util.Arrays.fill(hp, sOff + i * BK + p * NR, sOff + i * BK + p * NR + NR, 0f);
                        }
                    } else {
                        Micro.f32h(mr, d, hp, qOff + r0 * d, d, seg, bOff, hp, sOff + p * NR, BK);
                    }
                }
                // online softmax over this key block
                for (int i = 0; i < mr; i++) {
                    int row = row0 + i;
                    int so = sOff + i * BK;
                    int valid = bk;
                    if (op.causal()) {
                        valid = Math.max(0, Math.min(bk, row - k0 + 1));
                    }
                    if (mask != null) {
                        addMask(mask, bi, hi, row, k0, bk, hp, so);
                    }
                    float mOld = hp[mOff + r0 + i];
                    float mx = max(hp, so, valid);
                    float mNew = Math.max(mOld, mx);
                    float alpha;
                    float sum;
                    if (mNew == Float.NEGATIVE_INFINITY) {
                        alpha = 1f;
                        java.util.Arrays.fill(hp, so, so + bk, 0f);
                        sum = 0f;
                    } else {
                        alpha = mOld == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(mOld - mNew);
                        sum = expAndSum(hp, so, valid, mNew);
                        java.util.Arrays.fill(hp, so + valid, so + bk, 0f);
                    }
                    if (Float.isNaN(mNew)) {
                        alpha = Float.NaN;
                    }
                    hp[mOff + r0 + i] = mNew;
                    hp[lOff + r0 + i] = hp[lOff + r0 + i] * alpha + sum;
                    hp[aOff + i] = alpha;
                }
                // O = O·alpha + P·V
                long vPanelBytes = (long) kPanels * NR * NR * 4;
                for (int pd = 0; pd < dvp / NR; pd++) {
                    long bOff = vBytesOff + pd * vPanelBytes + (long) k0 * NR * 4;
                    Micro.f32h(mr, bk, hp, sOff, BK, seg, bOff, tile, 0, NR);
                    for (int i = 0; i < mr; i++) {
                        int o = oOff + (r0 + i) * dvp + pd * NR;
                        FloatVector al = FloatVector.broadcast(S, hp[aOff + i]);
                        FloatVector.fromArray(S, hp, o).fma(al, FloatVector.fromArray(S, tile, i * NR)).intoArray(hp, o);
                        FloatVector.fromArray(S, hp, o + 16).fma(al, FloatVector.fromArray(S, tile, i * NR + 16))
                                .intoArray(hp, o + 16);
                    }
                }
                r0 += mr;
            }
        }
        // out = O / l
        long oBase = ((long) head * lq + r) * dv;
        for (int i = 0; i < rows; i++) {
            // a row whose every key was masked to −∞ has l = 0: zeros, as the reference
            float l = hp[lOff + i];
            float inv = l == 0f ? 0f : 1f / l;
            FloatVector iv = FloatVector.broadcast(S, inv);
            int o = oOff + i * dvp;
            long dst = (oBase + (long) i * dv) * 4;
            int c = 0;
            for (; c + 16 <= dv; c += 16) {
                FloatVector.fromArray(S, hp, o + c).mul(iv).intoMemorySegment(out, dst + 4L * c, Bufs.LE);
            }
            if (c < dv) {
                VectorMask<Float> m = S.indexInRange(c, dv);
                FloatVector.fromArray(S, hp, o + c).mul(iv).intoMemorySegment(out, dst + 4L * c, Bufs.LE, m);
            }
        }
    }

    private void addMask(MemorySegment mask, int bi, int hi, int row, int k0, int bk, float[] hp, int so) {
        long base = bi * maskStrides[0] + hi * maskStrides[1] + row * maskStrides[2];
        long sj = maskStrides[3];
        if (sj == 0) {
            FloatVector mv = FloatVector.broadcast(S, mask.getAtIndex(Bufs.F32, base));
            int j = 0;
            for (; j + 16 <= bk; j += 16) {
                FloatVector.fromArray(S, hp, so + j).add(mv).intoArray(hp, so + j);
            }
            for (; j < bk; j++) {
                hp[so + j] += mv.lane(0);
            }
            return;
        }
        long off = (base + k0) * 4;
        int j = 0;
        for (; j + 16 <= bk; j += 16) {
            FloatVector.fromArray(S, hp, so + j).add(FloatVector.fromMemorySegment(S, mask, off + 4L * j, Bufs.LE))
                    .intoArray(hp, so + j);
        }
        for (; j < bk; j++) {
            hp[so + j] += mask.get(Bufs.F32, off + 4L * j);
        }
    }

    private static float max(float[] a, int from, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j + 16 <= n; j += 16) {
            acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, a, from + j));
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) {
            float x = a[from + j];
            m = Float.isNaN(x) || Float.isNaN(m) ? Float.NaN : Math.max(m, x);
        }
        return m;
    }

    /** a[j] = exp(a[j] − m) for j < n; returns their sum. */
    private static float expAndSum(float[] a, int from, int n, float m) {
        FloatVector mv = FloatVector.broadcast(S, m);
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j + 16 <= n; j += 16) {
            FloatVector e = VMath.exp(FloatVector.fromArray(S, a, from + j).sub(mv));
            e.intoArray(a, from + j);
            acc = acc.add(e);
        }
        if (j < n) {
            VectorMask<Float> mk = S.indexInRange(j, n);
            FloatVector e = VMath.exp(FloatVector.fromArray(S, a, from + j, mk).sub(mv));
            e.intoArray(a, from + j, mk);
            acc = acc.add(e, mk);
        }
        return VMath.sumLanes(acc);
    }
}
