package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Cast;
import dev.nibble.engine.ops.TimestepEmbedding;
import dev.nibble.engine.spi.KernelException;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import org.jocl.Pointer;
import org.jocl.cl_mem;

import static dev.nibble.backend.opencl.OpKernels.toInt;

/** Cast, Embedding, TimestepEmbedding (convert.cl). */
final class ConvertKernels {
    private static final String SRC = "convert.cl";

    private ConvertKernels() {
    }

    private static int code(DType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
            case I64 -> 3;
            case I32 -> 4;
            default -> throw new IllegalArgumentException("Cast of " + t);
        };
    }

    static Kernel cast(Node node, OpenClDevice d) {
        int from = code(node.inputs().get(0).spec().dtype());
        int to = code(((Cast) node.op()).to());
        int n = toInt(node.output().spec().shape().numel());
        ClFn fn = ClFn.of(d, SRC, "", "cast", node);
        return (ins, outs) -> fn.call().buf(ins.get(0), 1).i(from).buf(outs.get(0), 1).i(to).i(n).launch1(n, 64);
    }

    /** State of one Embedding kernel: its error word (smallest bad position, Integer.MAX_VALUE if none). */
    static final class EmbeddingKernel implements Kernel {
        private final Node node;
        private final OpenClDevice d;
        private final ClFn fn;
        private final int tdt, is64, n, dim, vocab;
        private cl_mem err;

        EmbeddingKernel(Node node, OpenClDevice d) {
            this.node = node;
            this.d = d;
            this.fn = ClFn.of(d, SRC, "", "embedding", node);
            this.tdt = OpKernels.floatCode(node.inputs().get(0).spec().dtype());
            this.is64 = node.inputs().get(1).spec().dtype() == DType.I64 ? 1 : 0;
            this.n = toInt(node.inputs().get(1).spec().shape().numel());
            this.dim = node.inputs().get(0).spec().shape().dim(1);
            this.vocab = node.inputs().get(0).spec().shape().dim(0);
        }

        @Override
        public void run(java.util.List<dev.nibble.engine.spi.DeviceBuffer> ins,
                        java.util.List<dev.nibble.engine.spi.DeviceBuffer> outs) {
            if (err == null) {
                err = d.scratch(this, 4, "Embedding error word");
            }
            int[] none = {Integer.MAX_VALUE};
            d.writeRaw(err, 0, 4, Pointer.to(none));
            fn.call().buf(ins.get(0), 1).i(tdt).buf(ins.get(1), 1).i(is64).buf(outs.get(0), 4).i(n).i(dim).i(vocab)
                    .mem(err).launch2(dim, n, 8, 8);
            int[] bad = new int[1];
            d.readRaw(err, 0, 4, Pointer.to(bad)); // Embedding runs once per prompt: the wait is cheap
            if (bad[0] != Integer.MAX_VALUE) {
                OpenClBuffer ids = (OpenClBuffer) ins.get(1);
                long[] id = new long[1];
                int[] id32 = new int[1];
                if (is64 == 1) {
                    d.readRaw(ids.mem(), ids.offset() + 8L * bad[0], 8, Pointer.to(id));
                } else {
                    d.readRaw(ids.mem(), ids.offset() + 4L * bad[0], 4, Pointer.to(id32));
                    id[0] = id32[0];
                }
                throw new KernelException("Embedding node " + node + " on " + d.name() + ": id " + id[0]
                        + " at position " + bad[0] + " is outside the table's " + vocab + " rows");
            }
        }
    }

    static Kernel embedding(Node node, OpenClDevice d) {
        return new EmbeddingKernel(node, d);
    }

    /** The reference's frequencies, bit for bit: float32 exponent, exp rounded to float. */
    static float[] timestepFrequencies(TimestepEmbedding op) {
        int half = op.dim() / 2;
        float[] freq = new float[Math.max(1, half)];
        float negLog = (float) -Math.log(op.maxPeriod());
        float denom = (float) (half - (double) op.downscaleFreqShift());
        for (int j = 0; j < half; j++) {
            float exponent = (negLog * j) / denom;
            freq[j] = (float) Math.exp(exponent);
        }
        return freq;
    }

    static Kernel timestep(Node node, OpenClDevice d) {
        TimestepEmbedding op = (TimestepEmbedding) node.op();
        int batch = node.inputs().get(0).spec().shape().dim(0);
        int half = op.dim() / 2;
        ClFn fn = ClFn.of(d, SRC, "", "timestep", node);
        float[] freqs = timestepFrequencies(op);
        return new Kernel() {
            private cl_mem freq;

            @Override
            public void run(java.util.List<dev.nibble.engine.spi.DeviceBuffer> ins,
                            java.util.List<dev.nibble.engine.spi.DeviceBuffer> outs) {
                if (freq == null) {
                    freq = d.constant(this, freqs, "TimestepEmbedding frequencies");
                }
                fn.call().buf(ins.get(0), 4).mem(freq).buf(outs.get(0), 4).i(batch).i(op.dim()).i(half)
                        .i(op.flipSinToCos()).f(op.scale()).launch2(op.dim(), batch, 8, 8);
            }
        };
    }
}
