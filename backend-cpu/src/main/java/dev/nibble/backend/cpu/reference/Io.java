package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** Tensor views of a kernel's host buffers, and the bulk float conversions the reference kernels share. */
final class Io {
    private Io() {
    }

    static Tensor in(Node node, List<DeviceBuffer> ins, int i) {
        return view(node.inputs().get(i).spec(), ins.get(i));
    }

    static Tensor out(Node node, List<DeviceBuffer> outs, int i) {
        return view(node.outputs().get(i).spec(), outs.get(i));
    }

    /** Input {@code i} converted to floats (any float or integer dtype). */
    static float[] floats(Node node, List<DeviceBuffer> ins, int i) {
        return in(node, ins, i).toFloatArray();
    }

    /** Writes {@code v} into the (single) output, rounding to its float dtype. */
    static void store(Node node, List<DeviceBuffer> outs, float[] v) {
        store(out(node, outs, 0), v);
    }

    static void store(Tensor out, float[] v) {
        if (out.numel() != v.length) {
            throw new IllegalStateException("reference kernel produced " + v.length + " values for " + out);
        }
        if (out.dtype() == DType.F32) {
            MemorySegment.copy(v, 0, out.data(), Tensor.F32, 0, v.length);
        } else {
            for (int i = 0; i < v.length; i++) {
                out.setFloat(i, v[i]);
            }
        }
    }

    /** Buffers are exact slices; taking the spec's size also fails loudly if one is too small. */
    private static Tensor view(TensorSpec spec, DeviceBuffer b) {
        return new Tensor(spec, HostBuffer.of(b).asSlice(0, spec.byteSize()));
    }

    static int toInt(long n) {
        return Math.toIntExact(n);
    }
}
