package dev.nibble.backend.cpu.svdq;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.backend.cpu.CpuPool;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * The fast SvdqLinear kernel (DESIGN.md §3), in two passes per chunk of rows:
 *
 * <ol>
 *   <li><b>Quantise + down-project</b> (one read of X): each row's x̂ = x / smooth_factor is
 *       quantised per group to int4 codes (kept as shorts) and scales, and, from the same staged row,
 *       the low-rank input t = X·proj_down (raw X, λ folded in) is accumulated.</li>
 *   <li><b>4-bit GEMM</b> over tiles of {@link #MT} rows × {@link #NC} output channels, in parallel on
 *       the shared pool. Per group of G: the group's weights are unpacked once from nibbles to shorts
 *       (sign-extended) into per-thread scratch, then a 4-row × NC-column micro-kernel multiplies codes
 *       with short multiply-adds ({@code vpmullw}/{@code vpaddw}). The group sum is exact in 16 bits:
 *       |qx| ≤ 7 (symmetric scales, see {@link SvdqMath}), |qw| ≤ 8, so |Σ| ≤ 56·G fits for G ≤ 512.
 *       It is then widened to float (exact) and accumulated as sx·wscales·dot. The epilogue adds
 *       t·proj_upᵀ, bias and the activation, and writes Y once.</li>
 * </ol>
 *
 * No allocation per call: the packed weights are built on first run (cached per weight set, see
 * {@link SvdqPacked}) and scratch comes from {@link SvdqWorkspace}, sized when the kernel is created.
 * Layers with G > 512 fall back to the reference kernel.
 */
public final class SvdqFast {
    private SvdqFast() {
    }

    static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(Math.max(64, S.vectorBitSize() / 2)));
    static final VectorSpecies<Short> SH = ShortVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 2)));
    /** Short lanes per vector (32 with AVX-512). */
    static final int LS = S.length();
    /** Float lanes per vector (16 with AVX-512). */
    static final int LF = F.length();
    /** Output channels per panel: four short vectors. */
    static final int NC = 4 * LS;
    /** Rows per GEMM tile. */
    static final int MT = 256;
    /** Largest group size whose sums fit a short accumulator. */
    static final int MAX_GROUP = 512;
    /** Budget for one chunk of quantised activations (shorts); tests lower it to exercise chunking. */
    static volatile long qxChunkBytes = 8L << 20;
    private static final float MAGIC = 12582912f; // 1.5·2^23: (v + MAGIC) - MAGIC rounds half to even

    /** The factory registered for {@link SvdqLinear} in the fast kernel set. */
    public static CpuKernelFactory factory() {
        return new CpuKernelFactory() {
            @Override
            public Support supports(Node node) {
                return SvdqReference.supports(node);
            }

            @Override
            public Kernel create(Node node) {
                SvdqLinear op = (SvdqLinear) node.op();
                if (op.groupSize() > MAX_GROUP || !vectorApiUsable()) {
                    return SvdqReference.create(node);
                }
                return new FastKernel(op, SvdqReference.Dims.of(node));
            }
        };
    }

    /**
     * Where channel {@code c} of a panel sits among the packed bytes: within each block of LS channels
     * (one short vector) channel w goes to lane 2w when w < LF, else to lane 2(w − LF) + 1.
     */
    static int lanePosition(int c) {
        int blk = c / LS;
        int w = c % LS;
        return blk * LS + (w < LF ? 2 * w : 2 * (w - LF) + 1);
    }

    /** The channel (within its panel) held by lane {@code l} of short vector {@code blk}. */
    static int laneChannel(int blk, int l) {
        return blk * LS + ((l & 1) == 0 ? l / 2 : LF + l / 2);
    }

    static boolean vectorApiUsable() {
        try {
            return S.length() >= 8 && F.length() * 2 == S.length();
        } catch (LinkageError e) {
            return false;
        }
    }

    /** Rows of one activation chunk for these sizes. */
    static int chunkRows(int m, int kp) {
        int byBudget = (int) Math.max(MT, qxChunkBytes / (2L * kp) / MT * MT);
        int m4 = (m + 3) & ~3;
        return Math.min(byBudget, m4);
    }

    static SvdqWorkspace.Need need(SvdqReference.Dims d) {
        int ms = chunkRows(d.m(), d.kp());
        int rp = (d.r() + LF - 1) / LF * LF;
        return new SvdqWorkspace.Need(ms * d.kp(), ms * (d.kp() / d.g()), ms * rp, d.g() * NC,
                Math.min(MT, ms) * NC, 4 * d.k() + d.kp());
    }

    /** Test hook: receives every group accumulator the micro-kernel produces. */
    interface Probe {
        void put(int row, int col, int group, int dot);
    }

    static final class FastKernel implements Kernel {
        private final SvdqLinear op;
        private final SvdqReference.Dims d;
        private final SvdqWorkspace.Need need;
        private volatile long[] packedWhere;
        private volatile SvdqPacked packed;
        /** Test hooks; null in normal runs. */
        Probe probe;
        short[] qxCapture;
        float[] sxCapture;

        FastKernel(SvdqLinear op, SvdqReference.Dims d) {
            this.op = op;
            this.d = d;
            this.need = need(d);
            SvdqWorkspace.reserve(need);
        }

        private SvdqPacked packed(List<DeviceBuffer> inputs) {
            MemorySegment[] w = new MemorySegment[6];
            for (int i = 1; i < 6; i++) {
                w[i - 1] = HostBuffer.of(inputs.get(i));
            }
            w[5] = op.hasBias() ? HostBuffer.of(inputs.get(6)) : null;
            long[] where = SvdqPacked.where(w);
            SvdqPacked p = packed;
            if (p != null && Arrays.equals(where, packedWhere)) {
                return p;
            }
            p = SvdqPacked.get(d, w);
            packed = p;
            packedWhere = where;
            return p;
        }

        SvdqPacked packedForTest() {
            return packed;
        }

        @Override
        public void run(List<DeviceBuffer> inputs, List<DeviceBuffer> outputs) {
            SvdqPacked p = packed(inputs);
            MemorySegment x = HostBuffer.of(inputs.get(0));
            MemorySegment y = HostBuffer.of(outputs.get(0));
            SvdqWorkspace ws = SvdqWorkspace.acquire(need);
            try {
                int m = d.m();
                int ms = chunkRows(m, d.kp());
                for (int c0 = 0; c0 < m; c0 += ms) {
                    int mc = Math.min(ms, m - c0);
                    runChunk(p, x, y, c0, mc, ws);
                }
            } finally {
                SvdqWorkspace.release(ws);
            }
        }

        private void runChunk(SvdqPacked p, MemorySegment x, MemorySegment y, int c0, int mc, SvdqWorkspace ws) {
            int mc4 = (mc + 3) & ~3;
            CpuPool.parallelFor(mc4 / 4, blk -> {
                SvdqWorkspace.ThreadScratch ts = ws.take();
                try {
                    quantizeRows(p, x, c0, mc, blk * 4, ws, ts.rows);
                } finally {
                    ws.give(ts);
                }
            });
            if (qxCapture != null) {
                System.arraycopy(ws.qx, 0, qxCapture, c0 * p.kp, mc * p.kp);
                int groups = p.kp / p.g;
                System.arraycopy(ws.sx, 0, sxCapture, c0 * groups, mc * groups);
            }
            int mt = Math.min(MT, mc4);
            int tilesM = (mc4 + mt - 1) / mt;
            CpuPool.parallelFor(tilesM * p.panels, tile -> {
                SvdqWorkspace.ThreadScratch ts = ws.take();
                try {
                    int tm = tile / p.panels;
                    int panel = tile % p.panels;
                    int r0 = tm * mt;
                    int rows4 = Math.min(mt, mc4 - r0);
                    gemmTile(p, ws, ts, c0, r0, rows4, Math.min(rows4, mc - r0), panel, y);
                } finally {
                    ws.give(ts);
                }
            });
        }

        /** Pass 1 for four rows [lr, lr+4) of the chunk: codes, scales and t = x·proj_down. */
        private void quantizeRows(SvdqPacked p, MemorySegment x, int c0, int mc, int lr, SvdqWorkspace ws,
                                  float[] rows) {
            int k = p.k;
            int kp = p.kp;
            int g = p.g;
            int groups = kp / g;
            int valid = Math.max(0, Math.min(4, mc - lr));
            // stage raw x of the four rows (zeros for rows past the end)
            for (int i = 0; i < 4; i++) {
                if (i < valid) {
                    MemorySegment.copy(x, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                            (long) (c0 + lr + i) * k * 4, rows, i * k, k);
                } else {
                    Arrays.fill(rows, i * k, (i + 1) * k, 0f);
                }
            }
            int hat = 4 * k;
            float[] sm = p.smooth;
            for (int i = 0; i < 4; i++) {
                int row = lr + i;
                int xo = i * k;
                int kk = 0;
                for (; kk <= k - LF; kk += LF) {
                    FloatVector.fromArray(F, rows, xo + kk).div(FloatVector.fromArray(F, sm, kk)).intoArray(rows, hat + kk);
                }
                for (; kk < k; kk++) {
                    rows[hat + kk] = rows[xo + kk] / sm[kk];
                }
                Arrays.fill(rows, hat + k, hat + kp, 0f);
                int qo = row * kp;
                for (int gi = 0; gi < groups; gi++) {
                    int g0 = hat + gi * g;
                    float amax = groupAbsMax(rows, g0, g);
                    float s = SvdqMath.groupScale(amax);
                    ws.sx[row * groups + gi] = s;
                    quantizeGroup(rows, g0, g, s, ws.qx, qo + gi * g);
                }
            }
            downProject(p, rows, ws.t, lr * p.rp);
        }

        /** t[4 rows][rp] = x[4 rows][K] · down[K][rp], two float vectors of rank at a time. */
        private static void downProject(SvdqPacked p, float[] rows, float[] t, int to) {
            int k = p.k;
            int rp = p.rp;
            float[] down = p.down;
            int j = 0;
            for (; j + 2 * LF <= rp; j += 2 * LF) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
                for (int kk = 0; kk < k; kk++) {
                    FloatVector d0 = FloatVector.fromArray(F, down, kk * rp + j);
                    FloatVector d1 = FloatVector.fromArray(F, down, kk * rp + j + LF);
                    FloatVector x0 = FloatVector.broadcast(F, rows[kk]);
                    a0 = d0.fma(x0, a0);
                    a1 = d1.fma(x0, a1);
                    FloatVector x1 = FloatVector.broadcast(F, rows[k + kk]);
                    b0 = d0.fma(x1, b0);
                    b1 = d1.fma(x1, b1);
                    FloatVector x2 = FloatVector.broadcast(F, rows[2 * k + kk]);
                    c0 = d0.fma(x2, c0);
                    c1 = d1.fma(x2, c1);
                    FloatVector x3 = FloatVector.broadcast(F, rows[3 * k + kk]);
                    e0 = d0.fma(x3, e0);
                    e1 = d1.fma(x3, e1);
                }
                a0.intoArray(t, to + j);
                a1.intoArray(t, to + j + LF);
                b0.intoArray(t, to + rp + j);
                b1.intoArray(t, to + rp + j + LF);
                c0.intoArray(t, to + 2 * rp + j);
                c1.intoArray(t, to + 2 * rp + j + LF);
                e0.intoArray(t, to + 3 * rp + j);
                e1.intoArray(t, to + 3 * rp + j + LF);
            }
            for (; j < rp; j += LF) {
                FloatVector a0 = FloatVector.zero(F), b0 = a0, c0 = a0, e0 = a0;
                for (int kk = 0; kk < k; kk++) {
                    FloatVector d0 = FloatVector.fromArray(F, down, kk * rp + j);
                    a0 = d0.fma(FloatVector.broadcast(F, rows[kk]), a0);
                    b0 = d0.fma(FloatVector.broadcast(F, rows[k + kk]), b0);
                    c0 = d0.fma(FloatVector.broadcast(F, rows[2 * k + kk]), c0);
                    e0 = d0.fma(FloatVector.broadcast(F, rows[3 * k + kk]), e0);
                }
                a0.intoArray(t, to + j);
                b0.intoArray(t, to + rp + j);
                c0.intoArray(t, to + 2 * rp + j);
                e0.intoArray(t, to + 3 * rp + j);
            }
        }

        private static float groupAbsMax(float[] a, int off, int len) {
            float m = 0f;
            int i = 0;
            if (len >= LF) {
                FloatVector acc = FloatVector.zero(F);
                for (; i <= len - LF; i += LF) {
                    acc = acc.max(FloatVector.fromArray(F, a, off + i).abs());
                }
                m = acc.reduceLanes(VectorOperators.MAX);
            }
            for (; i < len; i++) {
                m = Math.max(m, Math.abs(a[off + i]));
            }
            return m;
        }

        /** Codes of one group, exactly {@link SvdqMath#quantize}: clamp then round half to even. */
        private static void quantizeGroup(float[] a, int off, int len, float s, short[] q, int qo) {
            if (s == 0f) {
                Arrays.fill(q, qo, qo + len, (short) 0);
                return;
            }
            int i = 0;
            for (; i <= len - LF; i += LF) {
                FloatVector v = FloatVector.fromArray(F, a, off + i).div(s).min(7f).max(-8f);
                v = v.add(MAGIC).sub(MAGIC);
                ((ShortVector) v.convertShape(VectorOperators.F2S, SH, 0)).intoArray(q, qo + i);
            }
            for (; i < len; i++) {
                q[qo + i] = (short) SvdqMath.quantize(a[off + i], s);
            }
        }

        /** Pass 2 for one tile: rows [r0, r0+rows4) of the chunk × one panel of NC channels. */
        private void gemmTile(SvdqPacked p, SvdqWorkspace ws, SvdqWorkspace.ThreadScratch ts, int c0, int r0,
                              int rows4, int rowsValid, int panel, MemorySegment y) {
            int kp = p.kp;
            int g = p.g;
            int groups = kp / g;
            int n0 = panel * NC;
            float[] yacc = ts.yacc;
            short[] wb = ts.wbuf;
            short[] acc = ts.acc;
            Arrays.fill(yacc, 0, rows4 * NC, 0f);
            Probe pr = probe;
            for (int gi = 0; gi < groups; gi++) {
                if (p.wq != null) {
                    unpackGroup(p, panel, gi, wb);
                } else {
                    gatherGroup(p, n0, gi, wb, ts.bytes);
                }
                int wsOff = gi * p.np + n0;
                for (int rb = 0; rb < rows4; rb += 4) {
                    int row = r0 + rb;
                    int so = row * groups + gi;
                    micro(ws.qx, row * kp + gi * g, kp, wb, g, acc);
                    if (pr != null) {
                        capture(pr, acc, c0 + row, n0, gi);
                    }
                    widen(acc, ws.sx[so], ws.sx[so + groups], ws.sx[so + 2 * groups], ws.sx[so + 3 * groups],
                            p.ws, wsOff, yacc, rb * NC);
                }
            }
            epilogue(p, ws.t, r0, rowsValid, c0, n0, yacc, y, op.epilogue());
        }

        /**
         * One group of one panel straight from qweight's own layout [N, Kp/2]: each channel's G/2 bytes
         * are contiguous; they are spread to [k in group][lane position] (no packed copy of the weights).
         */
        private static void gatherGroup(SvdqPacked p, int n0, int gi, short[] wb, byte[] row) {
            int half = p.kp / 2;
            int pairs = p.g / 2;
            int cols = Math.min(NC, p.n - n0);
            MemorySegment q = p.qweight;
            for (int c = 0; c < NC; c++) {
                int pos = lanePosition(c);
                if (c >= cols) {
                    for (int kk = 0; kk < 2 * pairs; kk++) {
                        wb[kk * NC + pos] = 0;
                    }
                    continue;
                }
                MemorySegment.copy(q, java.lang.foreign.ValueLayout.JAVA_BYTE, (long) (n0 + c) * half + (long) gi * pairs,
                        row, 0, pairs);
                for (int j = 0, o = pos; j < pairs; j++, o += 2 * NC) {
                    byte b = row[j];
                    wb[o] = (short) ((b << 28) >> 28);
                    wb[o + NC] = (short) (b >> 4);
                }
            }
        }

        /** One group of one panel, nibbles → sign-extended shorts, laid [k in group][NC]. */
        private static void unpackGroup(SvdqPacked p, int panel, int gi, short[] wb) {
            int half = p.kp / 2;
            int pairs = p.g / 2;
            long base = ((long) panel * half + (long) gi * pairs) * NC;
            MemorySegment wq = p.wq;
            for (int j = 0; j < pairs; j++) {
                long src = base + (long) j * NC;
                int lo = 2 * j * NC;
                int hi = lo + NC;
                for (int c = 0; c < NC; c += LS) {
                    ShortVector s = (ShortVector) ByteVector.fromMemorySegment(B, wq, src + c, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, S, 0);
                    s.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 12).intoArray(wb, lo + c);
                    s.lanewise(VectorOperators.ASHR, 4).intoArray(wb, hi + c);
                }
            }
        }

        /**
         * 4 rows × NC channels × one group: short multiply-adds into 16 short accumulators, stored to
         * {@code acc} [4 rows][NC] (lanes interleaved as packed, see {@link #lanePosition}). Kept small:
         * a larger method with vector locals defeats the JIT (C1 runs out of registers and C2 never
         * gets it) and a helper taking vector arguments boxes them.
         */
        private static void micro(short[] qx, int qa, int kp, short[] wb, int glen, short[] acc) {
            ShortVector z = ShortVector.zero(S);
            ShortVector a00 = z, a01 = z, a02 = z, a03 = z;
            ShortVector a10 = z, a11 = z, a12 = z, a13 = z;
            ShortVector a20 = z, a21 = z, a22 = z, a23 = z;
            ShortVector a30 = z, a31 = z, a32 = z, a33 = z;
            int q1 = qa + kp;
            int q2 = q1 + kp;
            int q3 = q2 + kp;
            for (int kk = 0, wo = 0; kk < glen; kk++, wo += NC) {
                ShortVector w0 = ShortVector.fromArray(S, wb, wo);
                ShortVector w1 = ShortVector.fromArray(S, wb, wo + LS);
                ShortVector w2 = ShortVector.fromArray(S, wb, wo + 2 * LS);
                ShortVector w3 = ShortVector.fromArray(S, wb, wo + 3 * LS);
                ShortVector x = ShortVector.broadcast(S, qx[qa + kk]);
                a00 = x.mul(w0).add(a00);
                a01 = x.mul(w1).add(a01);
                a02 = x.mul(w2).add(a02);
                a03 = x.mul(w3).add(a03);
                x = ShortVector.broadcast(S, qx[q1 + kk]);
                a10 = x.mul(w0).add(a10);
                a11 = x.mul(w1).add(a11);
                a12 = x.mul(w2).add(a12);
                a13 = x.mul(w3).add(a13);
                x = ShortVector.broadcast(S, qx[q2 + kk]);
                a20 = x.mul(w0).add(a20);
                a21 = x.mul(w1).add(a21);
                a22 = x.mul(w2).add(a22);
                a23 = x.mul(w3).add(a23);
                x = ShortVector.broadcast(S, qx[q3 + kk]);
                a30 = x.mul(w0).add(a30);
                a31 = x.mul(w1).add(a31);
                a32 = x.mul(w2).add(a32);
                a33 = x.mul(w3).add(a33);
            }
            a00.intoArray(acc, 0 * NC + 0 * LS);
            a01.intoArray(acc, 0 * NC + 1 * LS);
            a02.intoArray(acc, 0 * NC + 2 * LS);
            a03.intoArray(acc, 0 * NC + 3 * LS);
            a10.intoArray(acc, 1 * NC + 0 * LS);
            a11.intoArray(acc, 1 * NC + 1 * LS);
            a12.intoArray(acc, 1 * NC + 2 * LS);
            a13.intoArray(acc, 1 * NC + 3 * LS);
            a20.intoArray(acc, 2 * NC + 0 * LS);
            a21.intoArray(acc, 2 * NC + 1 * LS);
            a22.intoArray(acc, 2 * NC + 2 * LS);
            a23.intoArray(acc, 2 * NC + 3 * LS);
            a30.intoArray(acc, 3 * NC + 0 * LS);
            a31.intoArray(acc, 3 * NC + 1 * LS);
            a32.intoArray(acc, 3 * NC + 2 * LS);
            a33.intoArray(acc, 3 * NC + 3 * LS);
        }

        /**
         * yacc[4 rows][NC] += float(acc) · sx[row] · wscales: even short lanes widen to the first LF
         * channels of their vector, odd lanes to the next LF (two shifts, exact).
         */
        private static void widen(short[] acc, float s0, float s1, float s2, float s3, float[] ws, int wsOff,
                                  float[] yacc, int ya) {
            for (int c = 0; c < NC; c += LS) {
                FloatVector wLo = FloatVector.fromArray(F, ws, wsOff + c);
                FloatVector wHi = FloatVector.fromArray(F, ws, wsOff + c + LF);
                for (int row = 0; row < 4; row++) {
                    float s = row == 0 ? s0 : row == 1 ? s1 : row == 2 ? s2 : s3;
                    IntVector ai = ShortVector.fromArray(S, acc, row * NC + c).reinterpretAsInts();
                    FloatVector lo = (FloatVector) ai.lanewise(VectorOperators.LSHL, 16)
                            .lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0);
                    FloatVector hi = (FloatVector) ai.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0);
                    int o = ya + row * NC + c;
                    lo.mul(s).fma(wLo, FloatVector.fromArray(F, yacc, o)).intoArray(yacc, o);
                    hi.mul(s).fma(wHi, FloatVector.fromArray(F, yacc, o + LF)).intoArray(yacc, o + LF);
                }
            }
        }

        private static void capture(Probe pr, short[] acc, int rowGlobal, int n0, int gi) {
            for (int row = 0; row < 4; row++) {
                for (int blk = 0; blk < 4; blk++) {
                    for (int l = 0; l < LS; l++) {
                        pr.put(rowGlobal + row, n0 + laneChannel(blk, l), gi, acc[row * NC + blk * LS + l]);
                    }
                }
            }
        }

        /** y = act(yacc + t·proj_upᵀ + bias) for the valid rows and channels of the tile; Y written once. */
        private static void epilogue(SvdqPacked p, float[] t, int r0, int rowsValid, int c0, int n0, float[] yacc,
                                     MemorySegment y, UnaryFn fn) {
            int n = p.n;
            int np = p.np;
            int rp = p.rp;
            int r = p.r;
            float[] upT = p.upT;
            float[] bias = p.bias;
            int cols = Math.min(NC, n - n0);
            for (int i = 0; i < rowsValid; i++) {
                int to = (r0 + i) * rp;
                int yo = i * NC;
                for (int cv = 0; cv < NC; cv += 4 * LF) {
                    int o = yo + cv;
                    int bo = n0 + cv;
                    FloatVector acc0 = FloatVector.fromArray(F, yacc, o).add(FloatVector.fromArray(F, bias, bo));
                    FloatVector acc1 = FloatVector.fromArray(F, yacc, o + LF).add(FloatVector.fromArray(F, bias, bo + LF));
                    FloatVector acc2 = FloatVector.fromArray(F, yacc, o + 2 * LF).add(FloatVector.fromArray(F, bias, bo + 2 * LF));
                    FloatVector acc3 = FloatVector.fromArray(F, yacc, o + 3 * LF).add(FloatVector.fromArray(F, bias, bo + 3 * LF));
                    for (int j = 0, uo = bo; j < r; j++, uo += np) {
                        FloatVector tj = FloatVector.broadcast(F, t[to + j]);
                        acc0 = FloatVector.fromArray(F, upT, uo).fma(tj, acc0);
                        acc1 = FloatVector.fromArray(F, upT, uo + LF).fma(tj, acc1);
                        acc2 = FloatVector.fromArray(F, upT, uo + 2 * LF).fma(tj, acc2);
                        acc3 = FloatVector.fromArray(F, upT, uo + 3 * LF).fma(tj, acc3);
                    }
                    acc0.intoArray(yacc, o);
                    acc1.intoArray(yacc, o + LF);
                    acc2.intoArray(yacc, o + 2 * LF);
                    acc3.intoArray(yacc, o + 3 * LF);
                }
                activate(fn, yacc, yo, NC);
                MemorySegment.copy(yacc, yo, y, Y_LAYOUT, ((long) (c0 + r0 + i) * n + n0) * 4, cols);
            }
        }
    }

    private static final java.lang.foreign.ValueLayout.OfFloat Y_LAYOUT =
            java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The epilogue in place on {@code a[off, off+len)} (len a multiple of LF), in float precision.
     */
    static void activate(UnaryFn fn, float[] a, int off, int len) {
        int end = off + len;
        switch (fn) {
            case IDENTITY -> {
            }
            case RELU -> {
                for (int i = off; i < end; i += LF) {
                    FloatVector.fromArray(F, a, i).max(0f).intoArray(a, i);
                }
            }
            // The transcendental ones share the fast kernels' own vector math: VectorOperators.EXP/TANH
            // are SVML under C2 but Java's Math in the interpreter, so results would change in the
            // last bits while the JIT warms up; these polynomials give the same bits either way.
            default -> dev.nibble.backend.cpu.fast.VMath.apply(fn, a, off, end);
        }
    }
}
