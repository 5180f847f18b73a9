package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;

import java.util.List;

import static dev.nibble.backend.opencl.OpKernels.ceilDiv;
import static dev.nibble.backend.opencl.OpKernels.floatCode;
import static dev.nibble.backend.opencl.OpKernels.toInt;

/** Linear (linear.cl) and Conv2d (conv2d.cl). */
final class MatmulKernels {
    /** Output block of a register-blocked work-item (linear.cl's TM x TN, conv2d.cl's OCB x OXB). */
    private static final int BLOCK = 4;
    private static final int TILE = 64;
    private static final int TILE_WG = 16;

    private MatmulKernels() {
    }

    static Support supportsLinear(Node node) {
        Linear op = (Linear) node.op();
        return op.hasBias() ? OpKernels.floatInput(node, 2, "bias") : Support.YES;
    }

    static Kernel linear(Node node, OpenClDevice d) {
        if (d.tuning().cpuKernels()) {
            return new CpuLinear(node, d);
        }
        Linear op = (Linear) node.op();
        Shape xs = node.inputs().get(0).spec().shape();
        int k = xs.last();
        int m = toInt(xs.outer(-1));
        int n = node.inputs().get(1).spec().shape().dim(0);
        DType wt = node.inputs().get(1).spec().dtype();
        int bdt = op.hasBias() ? floatCode(node.inputs().get(2).spec().dtype()) : 0;
        int act = OpKernels.actCode(op.epilogue());
        String defines = "-DWT=" + floatCode(wt);
        ClFn tiledFn = d.tuning().localTiles() ? ClFn.of(d, "linear.cl", defines, "linear_tiled", node) : null;
        // the tiled kernel needs its 16x16 work-group; a device that cannot give it that many items
        // (registers, local memory) gets the register-blocked kernel
        boolean tiled = tiledFn != null && tiledFn.maxWorkGroup() >= (long) TILE_WG * TILE_WG;
        ClFn fn = tiled ? tiledFn : ClFn.of(d, "linear.cl", defines, "linear_rb", node);
        int wBytes = wt == DType.F32 ? 4 : 2;
        return (ins, outs) -> {
            DeviceBuffer bias = op.hasBias() ? ins.get(2) : null;
            ClCall c = fn.call()
                    .buf(ins.get(0), 4).buf(ins.get(1), wBytes).bufOrDummy(bias, 1).i(bdt)
                    .buf(outs.get(0), 4).i(m).i(n).i(k).i(op.hasBias()).i(act);
            if (tiled) {
                c.launch2((long) ceilDiv(n, TILE) * TILE_WG, (long) ceilDiv(m, TILE) * TILE_WG, TILE_WG, TILE_WG);
            } else {
                c.launch2(ceilDiv(n, BLOCK), ceilDiv(m, BLOCK), 8, 8);
            }
        };
    }

    /**
     * linear.cl's CPU-device kernel: W packed into 32-channel panels (cached in the device's
     * {@link PackCache}), then one single-item work-group per (panel, run of rows).
     */
    static final class CpuLinear implements Kernel {
        /** linear.cl's LC_NR and LC_MR. */
        static final int NR = 32;
        static final int MR = 8;
        private final Linear op;
        private final Node node;
        private final OpenClDevice d;
        private final int m, n, k, bdt, act, wBytes, mc;
        private final DType wt;
        private final ClFn pack, gemm;
        /** The packed weights of the last run (held: the cache keeps them only while someone does). */
        private PackCache.Entry packed;

        CpuLinear(Node node, OpenClDevice d) {
            this.op = (Linear) node.op();
            this.node = node;
            this.d = d;
            Shape xs = node.inputs().get(0).spec().shape();
            this.k = xs.last();
            this.m = toInt(xs.outer(-1));
            this.n = node.inputs().get(1).spec().shape().dim(0);
            this.wt = node.inputs().get(1).spec().dtype();
            this.bdt = op.hasBias() ? floatCode(node.inputs().get(2).spec().dtype()) : 0;
            this.act = OpKernels.actCode(op.epilogue());
            this.wBytes = wt == DType.F32 ? 4 : 2;
            String defines = "-DWT=" + floatCode(wt);
            this.pack = ClFn.of(d, "linear.cl", defines, "linear_pack", node);
            this.gemm = ClFn.of(d, "linear.cl", defines, "linear_cpu", node);
            this.mc = rowsPerItem(m, ceilDiv(n, NR), d.info().computeUnits());
        }

        /**
         * Rows per work-item: at most 128 (the item's rows of x stay cache-resident while it sweeps
         * its panel), fewer when there are too few panels to give every compute unit ~16 items.
         */
        static int rowsPerItem(int m, int panels, long computeUnits) {
            long want = Math.max(1, 16 * Math.max(1, computeUnits));
            long chunks = Math.max(1, ceilDiv((int) Math.min(Integer.MAX_VALUE, want), Math.max(1, panels)));
            int rows = ceilDiv(Math.max(1, m), (int) Math.min(chunks, Integer.MAX_VALUE));
            rows = ceilDiv(rows, MR) * MR;
            return Math.max(MR, Math.min(128, rows));
        }

        /** Enqueues the fingerprint check and the (conditional) packing of w; returns the packed copy. */
        static PackCache.Entry packed(OpenClDevice d, Node node, ClFn pack, DeviceBuffer w, int wBytes, int rows,
                                      int cols, int strideN, int strideK, String what) {
            long bytes = (long) ceilDiv(rows, NR) * NR * cols * wBytes;
            PackCache.Entry e = d.packs().prepare(List.of(w), "linear-panels " + rows + "x" + cols + "/" + strideN
                    + "," + strideK + "/" + wBytes, bytes, what, node);
            pack.call().mem(e.state).buf(w, wBytes).mem(e.data).i(rows).i(cols).i(strideN).i(strideK)
                    .launch1(ceilDiv(rows, NR), 1);
            return e;
        }

        @Override
        public void run(List<DeviceBuffer> ins, List<DeviceBuffer> outs) {
            if (m == 0 || n == 0) {
                return;
            }
            packed = packed(d, node, pack, ins.get(1), wBytes, n, k, k, 1, "packed Linear weights");
            DeviceBuffer bias = op.hasBias() ? ins.get(2) : null;
            gemm.call().buf(ins.get(0), 4).mem(packed.data).bufOrDummy(bias, 1).i(bdt)
                    .buf(outs.get(0), 4).i(m).i(n).i(k).i(op.hasBias()).i(act).i(mc)
                    .launch2(ceilDiv(n, NR), ceilDiv(m, mc), 1, 1);
        }
    }

    static Support supportsConv(Node node) {
        Conv2d op = (Conv2d) node.op();
        return op.hasBias() ? OpKernels.floatInput(node, 2, "bias") : Support.YES;
    }

    static Kernel conv(Node node, OpenClDevice d) {
        Conv2d op = (Conv2d) node.op();
        int[] xd = node.inputs().get(0).spec().shape().toArray();
        int[] wd = node.inputs().get(1).spec().shape().toArray();
        int[] yd = node.output().spec().shape().toArray();
        DType wt = node.inputs().get(1).spec().dtype();
        int bdt = op.hasBias() ? floatCode(node.inputs().get(2).spec().dtype()) : 0;
        String defines = "-DWT=" + floatCode(wt);
        ClFn fn = ClFn.of(d, "conv2d.cl", defines, "conv2d_rb", node);
        int wBytes = wt == DType.F32 ? 4 : 2;
        return (ins, outs) -> {
            DeviceBuffer bias = op.hasBias() ? ins.get(2) : null;
            fn.call()
                    .buf(ins.get(0), 4).buf(ins.get(1), wBytes).bufOrDummy(bias, 1).i(bdt).buf(outs.get(0), 4)
                    .i(xd[0]).i(xd[1]).i(xd[2]).i(xd[3]).i(wd[0]).i(wd[2]).i(wd[3]).i(yd[2]).i(yd[3])
                    .i(op.strideH()).i(op.strideW()).i(op.padTop()).i(op.padLeft()).i(op.hasBias())
                    .launch3(ceilDiv(yd[3], BLOCK), ceilDiv(yd[1], BLOCK), (long) yd[0] * yd[2], 8, 8, 1);
        };
    }
}
