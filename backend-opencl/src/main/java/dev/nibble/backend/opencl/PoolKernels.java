package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Pool2d;
import dev.nibble.engine.ops.PoolFn;
import dev.nibble.engine.spi.Kernel;

/** Pool2d (pool.cl). */
final class PoolKernels {
    private PoolKernels() {
    }

    /** One work-item per output element; the op's checks guarantee every window covers an input element. */
    static Kernel pool2d(Node node, OpenClDevice d) {
        Pool2d op = (Pool2d) node.op();
        int[] s = node.inputs().get(0).spec().shape().toArray();
        int[] o = node.output().spec().shape().toArray();
        int planes = s[0] * s[1], h = s[2], w = s[3], oh = o[2], ow = o[3];
        boolean avg = op.fn() == PoolFn.AVG;
        ClFn fn = ClFn.of(d, "pool.cl", "", "pool2d", node);
        return (ins, outs) -> fn.call().buf(ins.get(0), 4).buf(outs.get(0), 4).i(planes).i(h).i(w).i(oh).i(ow)
                .i(op.kernelH()).i(op.kernelW()).i(op.strideH()).i(op.strideW()).i(op.padH()).i(op.padW())
                .i(avg).i(op.countIncludePad()).launch2(ow, (long) planes * oh, 8, 8);
    }
}
