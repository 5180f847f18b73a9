package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;

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
