package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.Shape;

import static dev.nibble.backend.opencl.OpKernels.ceilDiv;

/** Attention (flash-style, attention.cl) and Rope. */
final class AttentionKernels {
    /** Head dims live in private arrays; beyond this the kernel would spill badly. */
    static final int MAX_HEAD_DIM = 512;
    private static final int BK = 16;

    private AttentionKernels() {
    }

    static Support supports(Node node) {
        int d = node.inputs().get(0).spec().shape().dim(3);
        int dv = node.inputs().get(2).spec().shape().dim(3);
        if (d < 1 || dv < 1 || d > MAX_HEAD_DIM || dv > MAX_HEAD_DIM) {
            return Support.no("Attention: head dims " + d + "/" + dv + " outside 1.." + MAX_HEAD_DIM);
        }
        return Support.YES;
    }

    static Kernel attention(Node node, OpenClDevice d) {
        Attention op = (Attention) node.op();
        int[] q = node.inputs().get(0).spec().shape().toArray();
        int lk = node.inputs().get(1).spec().shape().dim(2);
        int dv = node.inputs().get(2).spec().shape().dim(3);
        int b = q[0], h = q[1], lq = q[2], dq = q[3];
        int[] ms = {0, 0, 0, 0};
        if (op.hasMask()) {
            Shape m = node.inputs().get(3).spec().shape();
            long[] st = m.strides();
            for (int i = 0; i < 4; i++) {
                ms[i] = m.dim(i) == 1 ? 0 : Math.toIntExact(st[i]);
            }
        }
        // K/V blocks go through local memory when the device has it and a block of BK keys fits in
        // half of it (smaller blocks for big heads; none at all beyond that)
        boolean local = false;
        int bk = BK;
        if (d.tuning().localTiles()) {
            long budget = d.info().localMemBytes() / 2;
            while (bk > 4 && 4L * bk * (dq + dv) > budget) {
                bk /= 2;
            }
            local = 4L * bk * (dq + dv) <= budget;
            if (!local) {
                bk = BK;
            }
        }
        int bq = local ? 64 : 8;
        String defines = "-DDQ=" + dq + " -DDV=" + dv + " -DBQ=" + bq + " -DBK=" + bk + " -DATTN_LOCAL=" + (local ? 1 : 0);
        ClFn built = ClFn.of(d, "attention.cl", defines, "attention", node);
        if (built.maxWorkGroup() < bq) { // too many registers for 64 queries a group: the plain variant
            bq = 8;
            defines = "-DDQ=" + dq + " -DDV=" + dv + " -DBQ=" + bq + " -DBK=" + BK + " -DATTN_LOCAL=0";
            built = ClFn.of(d, "attention.cl", defines, "attention", node);
        }
        ClFn fn = built;
        int bqF = bq;
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(ins.get(1), 4).buf(ins.get(2), 4)
                .bufOrDummy(op.hasMask() ? ins.get(3) : null, 4).buf(outs.get(0), 4)
                .i(h).i(lq).i(lk).f(op.scale()).i(op.causal()).i(op.hasMask()).i(ms[0]).i(ms[1]).i(ms[2]).i(ms[3])
                .launch2((long) ceilDiv(lq, bqF) * bqF, (long) b * h, bqF, 1);
    }

    static Kernel rope(Node node, OpenClDevice d) {
        int[] s = node.inputs().get(0).spec().shape().toArray();
        int bh = s[0] * s[1], l = s[2], dim = s[3];
        ClFn fn = ClFn.of(d, "elementwise.cl", "", "rope", node);
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(ins.get(1), 4).buf(ins.get(2), 4).buf(outs.get(0), 4)
                .i(bh).i(l).i(dim).launch1((long) bh * l * (dim / 2), 64);
    }
}
