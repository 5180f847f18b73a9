package dev.nibble.backend.cuda;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.Shape;

import static dev.nibble.backend.cuda.CudaOps.ceilDiv;
import static dev.nibble.backend.cuda.CudaOps.impl;
import static dev.nibble.backend.cuda.CudaOps.in;
import static dev.nibble.backend.cuda.CudaOps.shape;

/**
 * SvdqLinear (DESIGN.md §3) as two fused kernels (svdq.cuh): activation quantisation with the
 * low-rank down projection, then the W4A4 GEMM whose epilogue adds the up projection, the bias and
 * the activation. Small per-run conversions put wscales, proj_up and bias into padded F32 scratch.
 * The GEMM is chosen per {@link SvdqPath}: tensor cores with s4 (sm_80–89) or s4→s8 (sm_90+), or
 * dp4a on CUDA cores (sm_75, group sizes that are not a multiple of 64, unaligned qweight).
 */
final class SvdqOp {
    private SvdqOp() {
    }

    static final int TILE = 128;
    static final int RPAD = 16;

    /** The sizes of one node and its scratch layout. */
    record Dims(int m, int k, int kp, int n, int r, int g, int groups, int mpad, int npad, int rpad) {
        static Dims of(Node node) {
            SvdqLinear op = (SvdqLinear) node.op();
            Shape x = shape(node, 0);
            int k = x.last();
            int m = CudaOps.toInt(x.outer(-1), "SvdqLinear rows");
            int kp = op.paddedK(k);
            int n = shape(node, 1).dim(0);
            int r = shape(node, 4).dim(1);
            int g = op.groupSize();
            return new Dims(m, k, kp, n, r, g, kp / g, roundUp(Math.max(m, 1), TILE), roundUp(Math.max(n, 1), TILE),
                    roundUp(Math.max(r, 1), RPAD));
        }
    }

    static int roundUp(int v, int to) {
        return Math.toIntExact(((long) v + to - 1) / to * to);
    }

    static final CudaOps.Impl IMPL = impl((d, node) -> {
        Support s = CudaOps.floatsOnly(node, 2, 3, 4, 5);
        if (!s.supported()) {
            return s;
        }
        if (((SvdqLinear) node.op()).hasBias()) {
            s = CudaOps.floatsOnly(node, 6);
            if (!s.supported()) {
                return s;
            }
        }
        Dims dm = Dims.of(node);
        if (ceilDiv(dm.m, 16) > CudaOps.MAX_GRID_Y || (long) dm.mpad * dm.kp / 2 > Integer.MAX_VALUE * 4L) {
            return Support.no("SvdqLinear: " + dm.m + " rows exceed the kernels' grid");
        }
        return Support.YES;
    }, (d, node) -> create(d, node, d.svdqPathSetting()));

    /** The concrete GEMM for this node on this device under {@code setting}. */
    static SvdqPath pathFor(CudaDevice d, Dims dm, SvdqPath setting, long qweightAlignment) {
        SvdqPath p = SvdqPath.resolve(setting, d.info().cc());
        if (p != SvdqPath.SIMPLE && (dm.g % 64 != 0 || qweightAlignment % 16 != 0)) {
            return SvdqPath.SIMPLE;
        }
        return p;
    }

    static CudaOps.Body create(CudaDevice d, Node node, SvdqPath setting) {
        SvdqLinear op = (SvdqLinear) node.op();
        Dims dm = Dims.of(node);
        Codes c = Codes.of(node);
        return (in, o) -> {
            if (dm.m == 0 || dm.n == 0) {
                return;
            }
            SvdqPath path = pathFor(d, dm, setting, in.get(1).alignment());
            try (Scratch s = new Scratch(d, dm, op.hasBias())) {
                s.prepare(in.get(2), in.get(5), op.hasBias() ? in.get(6) : null, c);
                s.quantize(in.get(0), in.get(3), in.get(4), c);
                s.gemm(in.get(1), o.get(0), path, c);
            }
        };
    }

    /** The kernels' element-type codes of a node's float inputs, and its activation. */
    record Codes(int wscales, int smooth, int down, int up, int bias, int act) {
        static Codes of(Node node) {
            SvdqLinear op = (SvdqLinear) node.op();
            return new Codes(DTypeCodes.code(in(node, 2).dtype()), DTypeCodes.code(in(node, 3).dtype()),
                    DTypeCodes.code(in(node, 4).dtype()), DTypeCodes.code(in(node, 5).dtype()),
                    op.hasBias() ? DTypeCodes.code(in(node, 6).dtype()) : 0, DTypeCodes.act(op.epilogue()));
        }
    }

    /**
     * The scratch of one execution and its three steps (the benchmark times them separately):
     * {@link #prepare} (wscales, proj_up, bias to padded F32), {@link #quantize} (fused quantisation
     * and down projection), {@link #gemm} (W4A4 GEMM with fused up projection, bias, activation).
     */
    static final class Scratch implements AutoCloseable {
        final CudaDevice d;
        final Dims dm;
        final CudaBuffer qact, ascale, lowrank, wsc, upf, biasf;

        Scratch(CudaDevice d, Dims dm, boolean bias) {
            this.d = d;
            this.dm = dm;
            qact = d.scratch((long) dm.mpad * dm.kp / 2);
            ascale = d.scratch((long) dm.groups * dm.mpad * Float.BYTES);
            lowrank = d.scratch((long) dm.mpad * dm.rpad * Float.BYTES);
            wsc = d.scratch((long) dm.groups * dm.npad * Float.BYTES);
            upf = d.scratch((long) dm.npad * dm.rpad * Float.BYTES);
            biasf = bias ? d.scratch((long) dm.npad * Float.BYTES) : null;
        }

        void prepare(CudaBuffer wscales, CudaBuffer up, CudaBuffer bias, Codes c) {
            prep(d, wscales, c.wscales(), wsc, dm.groups, dm.n, dm.groups, dm.npad);
            prep(d, up, c.up(), upf, dm.n, dm.r, dm.npad, dm.rpad);
            if (biasf != null) {
                prep(d, bias, c.bias(), biasf, 1, dm.n, 1, dm.npad);
            }
        }

        void quantize(CudaBuffer x, CudaBuffer smooth, CudaBuffer down, Codes c) {
            d.launch(KernelNames.SVDQ_QUANTIZE, ceilDiv(dm.m, 8), 1, 1, 256, 1, 1, 0, new Launch()
                    .ptr(x).ptr(smooth).i32(c.smooth()).ptr(down).i32(c.down())
                    .ptr(qact).ptr(ascale).ptr(lowrank)
                    .i32(dm.m).i32(dm.k).i32(dm.kp).i32(dm.g).i32(dm.r).i32(dm.mpad).i32(dm.rpad));
        }

        void gemm(CudaBuffer qw, CudaBuffer y, SvdqPath path, Codes c) {
            if (path == SvdqPath.SIMPLE) {
                int words = dm.g % 8 == 0 && qw.alignment() % 4 == 0 ? 1 : 0;
                d.launch(KernelNames.SVDQ_GEMM_SIMPLE, ceilDiv(dm.n, 16), ceilDiv(dm.m, 16), 1, 16, 16, 1, 0, new Launch()
                        .ptr(qact).ptr(ascale).ptr(qw).ptr(wsc).ptr(lowrank).ptr(upf).ptrOrNull(biasf).ptr(y)
                        .i32(dm.m).i32(dm.n).i32(dm.kp).i32(dm.g).i32(dm.mpad).i32(dm.npad).i32(dm.rpad).i32(c.act())
                        .i32(words));
            } else {
                if (dm.g % 64 != 0 || qw.alignment() % 16 != 0) {
                    throw new IllegalArgumentException("the tensor-core SvdqLinear GEMM needs G % 64 == 0 and a 16-byte aligned qweight");
                }
                String kernel = path == SvdqPath.S4 ? KernelNames.SVDQ_GEMM_S4 : KernelNames.SVDQ_GEMM_S8;
                d.launch(kernel, ceilDiv(dm.n, TILE), ceilDiv(dm.m, TILE), 1, 256, 1, 1, 0, new Launch()
                        .ptr(qact).ptr(ascale).ptr(qw).ptr(wsc).ptr(lowrank).ptr(upf).ptrOrNull(biasf).ptr(y)
                        .i32(dm.m).i32(dm.n).i32(dm.kp).i32(dm.g).i32(dm.mpad).i32(dm.npad).i32(dm.rpad).i32(c.act()));
            }
        }

        @Override
        public void close() {
            qact.close();
            ascale.close();
            lowrank.close();
            wsc.close();
            upf.close();
            if (biasf != null) {
                biasf.close();
            }
        }
    }

    private static void prep(CudaDevice d, CudaBuffer src, int dt, CudaBuffer dst, int rows, int cols, int rowsPad,
                             int colsPad) {
        d.launch1d(KernelNames.SVDQ_PREP, (long) rowsPad * colsPad, new Launch()
                .ptr(src).i32(dt).ptr(dst).i32(rows).i32(cols).i32(rowsPad).i32(colsPad));
    }
}
