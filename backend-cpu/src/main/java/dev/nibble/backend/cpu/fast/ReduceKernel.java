package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.engine.ops.Reduce;
import dev.nibble.engine.ops.ReduceFn;
import dev.nibble.engine.tensor.Shape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * Reduce along one axis of [outer, n, inner]: with inner = 1 each output is a horizontal reduction of
 * a contiguous row; otherwise 16 outputs at a time accumulate whole rows (vertical, unit stride).
 */
final class ReduceKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    private static final int L = 16;

    private ReduceKernel() {
    }

    static final CpuKernelFactory FACTORY = node -> {
        Reduce op = (Reduce) node.op();
        Shape xs = node.inputs().get(0).spec().shape();
        int a = xs.axis(op.axis());
        long outer = xs.outer(a), inner = xs.inner(a);
        int n = xs.dim(a);
        ReduceFn fn = op.fn();
        VectorOperators.Associative vop = switch (fn) {
            case SUM, MEAN -> VectorOperators.ADD;
            case MAX -> VectorOperators.MAX;
            case MIN -> VectorOperators.MIN;
        };
        float identity = switch (fn) {
            case SUM, MEAN -> 0f;
            case MAX -> Float.NEGATIVE_INFINITY;
            case MIN -> Float.POSITIVE_INFINITY;
        };
        boolean mean = fn == ReduceFn.MEAN;
        return (in, out) -> {
            MemorySegment x = Bufs.seg(in.get(0)), y = Bufs.seg(out.get(0));
            if (inner == 1) {
                Par.rows(outer, n, (r0, r1) -> {
                    for (long r = r0; r < r1; r++) {
                        long off = r * n;
                        FloatVector acc = FloatVector.broadcast(S, identity);
                        long j = 0;
                        for (; j + L <= n; j += L) {
                            acc = acc.lanewise(vop, FloatVector.fromMemorySegment(S, x, (off + j) * 4, Bufs.LE));
                        }
                        if (j < n) {
                            VectorMask<Float> m = S.indexInRange(j, n);
                            FloatVector v = FloatVector.fromMemorySegment(S, x, (off + j) * 4, Bufs.LE, m).blend(identity, m.not());
                            acc = acc.lanewise(vop, v);
                        }
                        float res = vop == VectorOperators.ADD ? VMath.sumLanes(acc) : acc.reduceLanes(vop);
                        y.setAtIndex(Bufs.F32, r, mean ? res / n : res);
                    }
                });
                return;
            }
            long groups = Bufs.ceilDiv(inner, L);
            Par.rows(outer * groups, n * (long) L, (t0, t1) -> {
                for (long t = t0; t < t1; t++) {
                    long o = t / groups;
                    long c0 = (t % groups) * L;
                    VectorMask<Float> m = S.indexInRange(c0, inner);
                    long base = o * n * inner + c0;
                    FloatVector acc = FloatVector.broadcast(S, identity);
                    for (int j = 0; j < n; j++) {
                        acc = acc.lanewise(vop, FloatVector.fromMemorySegment(S, x, (base + j * inner) * 4, Bufs.LE, m));
                    }
                    if (mean) {
                        acc = acc.div((float) n);
                    }
                    acc.intoMemorySegment(y, (o * inner + c0) * 4, Bufs.LE, m);
                }
            });
        };
    };
}
