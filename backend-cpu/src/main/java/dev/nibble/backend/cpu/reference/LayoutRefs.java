package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Concat;
import dev.nibble.engine.ops.Pad;
import dev.nibble.engine.ops.Permute;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.Shape;

import java.lang.foreign.MemorySegment;

/**
 * Data movement: Copy, Reshape, Concat, Slice, Permute (byte copies, any dtype of whole bytes),
 * and Upsample2x, Pad (F32).
 */
final class LayoutRefs {
    private LayoutRefs() {
    }

    /** Copy and Reshape: the same bytes. */
    static Kernel copy(Node node) {
        long bytes = node.output().spec().byteSize();
        return (ins, outs) -> MemorySegment.copy(HostBuffer.of(ins.get(0)), 0, HostBuffer.of(outs.get(0)), 0, bytes);
    }

    static Kernel concat(Node node) {
        Shape out = node.output().spec().shape();
        int axis = out.axis(((Concat) node.op()).axis());
        long outer = out.outer(axis);
        long esize = elementBytes(node);
        long outRow = out.dim(axis) * out.inner(axis) * esize; // bytes per outer index in the output
        return (ins, outs) -> {
            MemorySegment dst = HostBuffer.of(outs.get(0));
            long at = 0; // byte offset of this input's block within an output row
            for (int i = 0; i < ins.size(); i++) {
                Shape s = node.inputs().get(i).spec().shape();
                long row = s.dim(axis) * s.inner(axis) * esize;
                MemorySegment src = HostBuffer.of(ins.get(i));
                for (long o = 0; o < outer; o++) {
                    MemorySegment.copy(src, o * row, dst, o * outRow + at, row);
                }
                at += row;
            }
        };
    }

    static Kernel slice(Node node) {
        Slice op = (Slice) node.op();
        Shape in = node.inputs().get(0).spec().shape();
        int axis = in.axis(op.axis());
        long esize = elementBytes(node);
        long outer = in.outer(axis), inner = in.inner(axis) * esize;
        long inRow = in.dim(axis) * inner;
        long outRow = (long) (op.end() - op.start()) * inner;
        return (ins, outs) -> {
            MemorySegment src = HostBuffer.of(ins.get(0)), dst = HostBuffer.of(outs.get(0));
            for (long o = 0; o < outer; o++) {
                MemorySegment.copy(src, o * inRow + op.start() * inner, dst, o * outRow, outRow);
            }
        };
    }

    static Kernel permute(Node node) {
        Permute op = (Permute) node.op();
        Shape in = node.inputs().get(0).spec().shape();
        Shape out = node.output().spec().shape();
        long esize = elementBytes(node);
        long[] inStrides = in.strides();
        int r = out.rank();
        return (ins, outs) -> {
            MemorySegment src = HostBuffer.of(ins.get(0)), dst = HostBuffer.of(outs.get(0));
            int[] idx = new int[r];
            long n = out.numel();
            for (long o = 0; o < n; o++) {
                long from = 0;
                for (int i = 0; i < r; i++) {
                    from += idx[i] * inStrides[op.perm().get(i)];
                }
                MemorySegment.copy(src, from * esize, dst, o * esize, esize);
                for (int i = r - 1; i >= 0 && ++idx[i] == out.dim(i); i--) {
                    idx[i] = 0;
                }
            }
        };
    }

    /** Nearest neighbour: out[y, x] = in[y/2, x/2]. */
    static Kernel upsample2x(Node node) {
        int[] s = node.inputs().get(0).spec().shape().toArray();
        int planes = s[0] * s[1], h = s[2], w = s[3];
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] y = new float[planes * 4 * h * w];
            for (int p = 0; p < planes; p++) {
                for (int oy = 0; oy < 2 * h; oy++) {
                    for (int ox = 0; ox < 2 * w; ox++) {
                        y[(p * 2 * h + oy) * 2 * w + ox] = x[(p * h + oy / 2) * w + ox / 2];
                    }
                }
            }
            Io.store(node, outs, y);
        };
    }

    static Kernel pad(Node node) {
        Pad op = (Pad) node.op();
        Shape in = node.inputs().get(0).spec().shape();
        Shape out = node.output().spec().shape();
        int r = in.rank();
        long[] outStrides = out.strides();
        return (ins, outs) -> {
            float[] x = Io.floats(node, ins, 0);
            float[] y = new float[Io.toInt(out.numel())];
            java.util.Arrays.fill(y, op.value());
            int[] idx = new int[r];
            for (int i = 0; i < x.length; i++) {
                long to = 0;
                for (int a = 0; a < r; a++) {
                    to += (idx[a] + op.before().get(a)) * outStrides[a];
                }
                y[(int) to] = x[i];
                for (int a = r - 1; a >= 0 && ++idx[a] == in.dim(a); a--) {
                    idx[a] = 0;
                }
            }
            Io.store(node, outs, y);
        };
    }

    private static long elementBytes(Node node) {
        return node.output().spec().dtype().bits() / 8;
    }
}
