package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.DType;
import org.jocl.cl_mem;

import java.util.List;

import static dev.nibble.backend.opencl.OpKernels.ceilDiv;
import static dev.nibble.backend.opencl.OpKernels.floatCode;
import static dev.nibble.backend.opencl.OpKernels.toInt;

/**
 * The fused SVDQ W4A4 linear (svdq.cl): a quantisation pass that also computes the low-rank
 * down-projection (one read of X), then the 4-bit GEMM whose epilogue adds the up-projection, the
 * bias and the activation (one write of Y). The quantised activations, their scales and the
 * down-projected rows are scratch buffers owned by the kernel object, sized for its M.
 */
final class SvdqKernels {
    private static final String SRC = "svdq.cl";
    /** The quantisation pass keeps one group of x̂ in private memory. */
    static final int MAX_GROUP = 256;
    static final int MAX_RANK = 512;
    private static final int BLOCK = 4;

    private SvdqKernels() {
    }

    static Support supports(Node node) {
        SvdqLinear op = (SvdqLinear) node.op();
        if (op.groupSize() > MAX_GROUP) {
            return Support.no("SvdqLinear: group size " + op.groupSize() + " above " + MAX_GROUP);
        }
        int r = node.inputs().get(4).spec().shape().dim(1);
        if (r > MAX_RANK) {
            return Support.no("SvdqLinear: rank " + r + " above " + MAX_RANK);
        }
        for (int i = 2; i < node.inputs().size(); i++) {
            Support s = OpKernels.floatInput(node, i, "input " + i);
            if (!s.supported()) {
                return s;
            }
        }
        return Support.YES;
    }

    static Kernel create(Node node, OpenClDevice d) {
        return new SvdqKernel(node, d);
    }

    private static int bytes(DType t) {
        return t == DType.F32 ? 4 : 2;
    }

    static final class SvdqKernel implements Kernel {
        private final OpenClDevice d;
        private final SvdqLinear op;
        private final int m, k, kp, n, r, g, ql;
        private final DType smoothT, downT, wsT, upT;
        private final int bdt;
        private final ClFn quant, gemm;
        /** CPU devices (Tuning.cpuKernels): svdq_gemm_cpu over a packed layer, t through linear_cpu. */
        private final boolean cpu;
        private final ClFn layerPack, downPack, downGemm;
        private final Node node;
        private final int mc, downMc;
        private PackCache.Entry layer, down;
        private cl_mem qx, sx, t, asum;

        SvdqKernel(Node node, OpenClDevice d) {
            this.d = d;
            this.node = node;
            this.op = (SvdqLinear) node.op();
            var xs = node.inputs().get(0).spec().shape();
            this.k = xs.last();
            this.m = toInt(xs.outer(-1));
            this.kp = op.paddedK(k);
            this.n = node.inputs().get(1).spec().shape().dim(0);
            this.r = node.inputs().get(4).spec().shape().dim(1);
            this.g = op.groupSize();
            this.wsT = node.inputs().get(2).spec().dtype();
            this.smoothT = node.inputs().get(3).spec().dtype();
            this.downT = node.inputs().get(4).spec().dtype();
            this.upT = node.inputs().get(5).spec().dtype();
            this.bdt = op.hasBias() ? floatCode(node.inputs().get(6).spec().dtype()) : 0;
            int l = d.tuning().localTiles() ? Math.min(64, d.tuning().rowGroup()) : 1;
            ClFn q = ClFn.of(d, SRC, defines(l), "svdq_quant", node);
            if (l > 1 && q.maxWorkGroup() < l) { // cannot run QL items a group: one item per row
                l = 1;
                q = ClFn.of(d, SRC, defines(l), "svdq_quant", node);
            }
            this.ql = l;
            this.quant = q;
            this.cpu = d.tuning().cpuKernels();
            if (cpu) {
                this.gemm = ClFn.of(d, SRC, defines(l), "svdq_gemm_cpu", node);
                this.layerPack = ClFn.of(d, SRC, defines(l), "svdq_pack", node);
                String dd = "-DWT=" + floatCode(downT);
                this.downPack = ClFn.of(d, "linear.cl", dd, "linear_pack", node);
                this.downGemm = ClFn.of(d, "linear.cl", dd, "linear_cpu", node);
                long cu = d.info().computeUnits();
                this.mc = MatmulKernels.CpuLinear.rowsPerItem(m, ceilDiv(n, CPU_NR), cu);
                this.downMc = MatmulKernels.CpuLinear.rowsPerItem(m, ceilDiv(r, CPU_NR), cu);
            } else {
                this.gemm = ClFn.of(d, SRC, defines(l), "svdq_gemm", node);
                this.layerPack = this.downPack = this.downGemm = null;
                this.mc = this.downMc = 0;
            }
        }

        /** svdq.cl's SC_NR: output channels a panel. */
        static final int CPU_NR = 32;

        /** Bytes of svdq_pack's layout: nibble codes, wscales and proj_up panels. */
        private long layerBytes() {
            long p = ceilDiv(n, CPU_NR);
            long groups = kp / g;
            return p * (kp / 2) * CPU_NR + p * groups * CPU_NR * 4 + p * r * CPU_NR * 4L;
        }

        /** The rank rounded up to a power of two (at least 8): layers of nearby ranks share a program. */
        static int rankBound(int r) {
            return Math.max(8, Integer.highestOneBit(Math.max(1, r - 1)) << 1);
        }

        private String defines(int quantGroup) {
            return "-DGS=" + g + " -DRMAX=" + rankBound(r) + " -DST=" + floatCode(smoothT) + " -DDT=" + floatCode(downT)
                    + " -DWST=" + floatCode(wsT) + " -DUT=" + floatCode(upT) + " -DQL=" + quantGroup
                    + " -DTM=" + BLOCK + " -DTN=" + BLOCK;
        }

        /** Quantised activations of the last run (tests): codes [M, Kp] in natural k order, scales, t. */
        record Quantized(byte[] qx, float[] sx, float[] t) {
        }

        Quantized readQuantized() {
            d.synchronize();
            byte[] q = new byte[m * kp];
            float[] s = new float[m * (kp / g)];
            float[] tt = new float[m * Math.max(1, r)];
            d.readRaw(qx, 0, q.length, org.jocl.Pointer.to(q));
            d.readRaw(sx, 0, (long) s.length * 4, org.jocl.Pointer.to(s));
            d.readRaw(t, 0, (long) tt.length * 4, org.jocl.Pointer.to(tt));
            byte[] natural = new byte[q.length];
            for (int row = 0; row < m; row++) {
                for (int kk = 0; kk < kp; kk++) {
                    natural[row * kp + kk] = q[row * kp + (cpu ? kk : position(kk))];
                }
            }
            return new Quantized(natural, s, java.util.Arrays.copyOf(tt, m * r));
        }

        /** svdq.cl's nb_qpos: where code k of a row is stored. */
        private int position(int kk) {
            if (g % 32 != 0) {
                return kk;
            }
            int e = kk & 31;
            return (kk & ~31) + ((e & 1) << 4) + (e >> 1);
        }

        @Override
        public void run(List<DeviceBuffer> ins, List<DeviceBuffer> outs) {
            if (m == 0 || n == 0) {
                return;
            }
            if (qx == null) {
                qx = d.scratch(this, (long) m * kp, "SVDQ quantised activations");
                sx = d.scratch(this, (long) m * (kp / g) * 4, "SVDQ activation scales");
                t = d.scratch(this, (long) m * Math.max(1, r) * 4, "SVDQ down-projection");
                asum = cpu ? d.scratch(this, (long) m * (kp / g) * 2, "SVDQ activation code sums") : d.dummy();
            }
            if (cpu) {
                runCpu(ins, outs);
                return;
            }
            ClCall q = quant.call().buf(ins.get(0), 4).buf(ins.get(3), bytes(smoothT)).buf(ins.get(4), bytes(downT))
                    .mem(qx).mem(sx).mem(t).mem(asum).i(m).i(k).i(kp).i(r);
            if (ql > 1) {
                q.launch1((long) m * ql, ql);
            } else {
                q.launch1(m, 8);
            }
            gemm.call().mem(qx).mem(sx).mem(t).buf(ins.get(1), 1).buf(ins.get(2), bytes(wsT)).buf(ins.get(5), bytes(upT))
                    .bufOrDummy(op.hasBias() ? ins.get(6) : null, 1).i(bdt).buf(outs.get(0), 4)
                    .i(m).i(n).i(kp).i(r).i(op.hasBias()).i(OpKernels.actCode(op.epilogue()))
                    .launch2(ceilDiv(n, BLOCK), ceilDiv(m, BLOCK), 8, 8);
        }

        private void runCpu(List<DeviceBuffer> ins, List<DeviceBuffer> outs) {
            quant.call().buf(ins.get(0), 4).buf(ins.get(3), bytes(smoothT)).buf(ins.get(4), bytes(downT))
                    .mem(qx).mem(sx).mem(t).mem(asum).i(m).i(k).i(kp).i(r).launch1(m, 8);
            // t = x · proj_down: proj_down [K, R] is the transpose of a Linear weight [R, K]
            down = MatmulKernels.CpuLinear.packed(d, node, downPack, ins.get(4), bytes(downT), r, k, 1, r,
                    "packed SVDQ proj_down");
            downGemm.call().buf(ins.get(0), 4).mem(down.data).bufOrDummy(null, 1).i(0).mem(t).l(0)
                    .i(m).i(r).i(k).i(false).i(0).i(downMc)
                    .launch2(ceilDiv(r, CPU_NR), ceilDiv(m, downMc), 1, 1);
            int panels = ceilDiv(n, CPU_NR);
            layer = d.packs().prepare(List.of(ins.get(1), ins.get(2), ins.get(5)),
                    "svdq-panels n" + n + " kp" + kp + " g" + g + " r" + r + " " + wsT + "/" + upT, layerBytes(),
                    "packed SVDQ layer", node);
            layerPack.call().mem(layer.state).buf(ins.get(1), 1).buf(ins.get(2), bytes(wsT)).buf(ins.get(5), bytes(upT))
                    .mem(layer.data).i(n).i(kp).i(r).launch1(panels, 1);
            gemm.call().mem(qx).mem(sx).mem(asum).mem(t).mem(layer.data)
                    .bufOrDummy(op.hasBias() ? ins.get(6) : null, 1).i(bdt).buf(outs.get(0), 4)
                    .i(m).i(n).i(kp).i(r).i(op.hasBias()).i(OpKernels.actCode(op.epilogue())).i(mc)
                    .launch2(panels, ceilDiv(m, mc), 1, 1);
        }
    }
}
