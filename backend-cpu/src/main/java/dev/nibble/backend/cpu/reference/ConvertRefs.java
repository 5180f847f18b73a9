package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Cast;
import dev.nibble.engine.ops.TimestepEmbedding;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.KernelException;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;

/** Cast, Embedding and TimestepEmbedding. */
final class ConvertRefs {
    private ConvertRefs() {
    }

    /** Floats round to nearest even; floats to integers truncate toward zero (Java casts: NaN → 0, saturating). */
    static Kernel cast(Node node) {
        DType to = ((Cast) node.op()).to();
        DType from = node.inputs().get(0).spec().dtype();
        boolean intIn = !from.isFloatingPoint();
        return (ins, outs) -> {
            Tensor x = Io.in(node, ins, 0);
            Tensor y = Io.out(node, outs, 0);
            long n = x.numel();
            for (long i = 0; i < n; i++) {
                switch (to) {
                    case I64 -> y.data().setAtIndex(Tensor.I64, i, intIn ? x.getLong(i) : (long) x.getFloat(i));
                    case I32 -> y.data().setAtIndex(Tensor.I32, i, intIn ? (int) x.getLong(i) : (int) x.getFloat(i));
                    default -> y.setFloat(i, intIn ? (float) x.getLong(i) : x.getFloat(i));
                }
            }
        };
    }

    /** Row gather; an id outside [0, V) is an error naming the node, the position and the id. */
    static Kernel embedding(Node node) {
        int v = node.inputs().get(0).spec().shape().dim(0);
        int d = node.inputs().get(0).spec().shape().dim(1);
        return (ins, outs) -> {
            float[] table = Io.floats(node, ins, 0);
            Tensor ids = Io.in(node, ins, 1);
            int n = Io.toInt(ids.numel());
            float[] y = new float[n * d];
            for (int i = 0; i < n; i++) {
                long id = ids.getLong(i);
                if (id < 0 || id >= v) {
                    throw new KernelException("Embedding node " + node + ": id " + id + " at position " + i
                            + " is outside the table's " + v + " rows");
                }
                System.arraycopy(table, (int) id * d, y, i * d, d);
            }
            Io.store(node, outs, y);
        };
    }

    /**
     * diffusers get_timestep_embedding, step for step in float32: exponent = −ln(maxPeriod)·j
     * (float32 arange times the scalar) / (half − shift); freq = exp(exponent); arg = scale·(t·freq);
     * [sin, cos] (swapped when flipped); a zero column pads odd dims.
     */
    static Kernel timestep(Node node) {
        TimestepEmbedding op = (TimestepEmbedding) node.op();
        int batch = node.inputs().get(0).spec().shape().dim(0);
        int half = op.dim() / 2;
        float[] freq = new float[half];
        float negLog = (float) -Math.log(op.maxPeriod());
        float denom = (float) (half - (double) op.downscaleFreqShift());
        for (int j = 0; j < half; j++) {
            float exponent = (negLog * j) / denom;
            freq[j] = (float) Math.exp(exponent);
        }
        return (ins, outs) -> {
            float[] t = Io.floats(node, ins, 0);
            float[] y = new float[batch * op.dim()];
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < half; j++) {
                    float arg = op.scale() * (t[b] * freq[j]);
                    float sin = (float) Math.sin(arg), cos = (float) Math.cos(arg);
                    int row = b * op.dim();
                    y[row + j] = op.flipSinToCos() ? cos : sin;
                    y[row + half + j] = op.flipSinToCos() ? sin : cos;
                }
            }
            Io.store(node, outs, y);
        };
    }
}
