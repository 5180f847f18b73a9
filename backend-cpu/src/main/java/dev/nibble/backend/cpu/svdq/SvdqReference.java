package dev.nibble.backend.cpu.svdq;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The reference SvdqLinear: DESIGN.md §3's formula computed literally, one row at a time, single
 * threaded, with int32 group accumulators and double-precision float sums. The oracle the fast
 * kernel and every other backend are judged against. Its pieces ({@link #quantize}, {@link #groupDots})
 * are public so tests can compare the integer part of other kernels bit for bit.
 */
public final class SvdqReference {
    private SvdqReference() {
    }

    /** Quantised activations: codes [M, Kp] (zero in the padded columns) and scales [M, Kp/G]. */
    public record Activations(int m, int kp, int groupSize, byte[] qx, float[] sx) {
        public int groups() {
            return kp / groupSize;
        }
    }

    /** The factory registered for {@link SvdqLinear} in the reference kernel set. */
    public static CpuKernelFactory factory() {
        return new CpuKernelFactory() {
            @Override
            public Support supports(Node node) {
                return SvdqReference.supports(node);
            }

            @Override
            public Kernel create(Node node) {
                return SvdqReference.create(node);
            }
        };
    }

    static Support supports(Node node) {
        if (!(node.op() instanceof SvdqLinear op)) {
            return Support.no("not an SvdqLinear node");
        }
        List<TensorSpec> in = node.inputs().stream().map(v -> v.spec()).toList();
        try {
            op.infer(in);
        } catch (RuntimeException e) {
            return Support.no(e.getMessage());
        }
        return Support.YES;
    }

    static Kernel create(Node node) {
        SvdqLinear op = (SvdqLinear) node.op();
        Dims d = Dims.of(node);
        return (inputs, outputs) -> run(op, d, inputs, outputs);
    }

    /** The static sizes of one SvdqLinear node and the dtypes of its float inputs. */
    record Dims(int m, int k, int kp, int n, int r, int g, DType wsType, DType smoothType, DType downType,
                DType upType, DType biasType) {
        static Dims of(Node node) {
            SvdqLinear op = (SvdqLinear) node.op();
            TensorSpec x = node.inputs().get(0).spec();
            int k = x.shape().last();
            int m = Math.toIntExact(x.shape().outer(-1));
            int n = node.inputs().get(1).spec().shape().dim(0);
            int r = node.inputs().get(4).spec().shape().dim(1);
            return new Dims(m, k, op.paddedK(k), n, r, op.groupSize(),
                    node.inputs().get(2).spec().dtype(), node.inputs().get(3).spec().dtype(),
                    node.inputs().get(4).spec().dtype(), node.inputs().get(5).spec().dtype(),
                    op.hasBias() ? node.inputs().get(6).spec().dtype() : null);
        }
    }

    private static void run(SvdqLinear op, Dims d, List<DeviceBuffer> inputs, List<DeviceBuffer> outputs) {
        MemorySegment xs = HostBuffer.of(inputs.get(0));
        float[] x = new float[Math.multiplyExact(d.m, d.k)];
        MemorySegment.copy(xs, Tensor.F32, 0, x, 0, x.length);
        byte[] qweight = SvdqMath.readBytes(HostBuffer.of(inputs.get(1)), (long) d.n * d.kp / 2);
        float[] wscales = SvdqMath.readFloats(HostBuffer.of(inputs.get(2)), d.wsType, d.kp / d.g * d.n);
        float[] smooth = SvdqMath.readFloats(HostBuffer.of(inputs.get(3)), d.smoothType, d.k);
        float[] down = SvdqMath.readFloats(HostBuffer.of(inputs.get(4)), d.downType, d.k * d.r);
        float[] up = SvdqMath.readFloats(HostBuffer.of(inputs.get(5)), d.upType, d.n * d.r);
        float[] bias = op.hasBias() ? SvdqMath.readFloats(HostBuffer.of(inputs.get(6)), d.biasType, d.n) : null;
        float[] y = forward(x, d.m, d.k, d.n, d.r, d.g, qweight, wscales, smooth, down, up, bias, op.epilogue());
        MemorySegment.copy(y, 0, HostBuffer.of(outputs.get(0)), Tensor.F32, 0, y.length);
    }

    /**
     * The whole layer on arrays: x [M, K], qweight [N, Kp/2], wscales [Kp/G, N], smooth [K],
     * down [K, r], up [N, r], bias [N] or null. Returns y [M, N].
     */
    public static float[] forward(float[] x, int m, int k, int n, int r, int g, byte[] qweight, float[] wscales,
                                  float[] smooth, float[] down, float[] up, float[] bias, UnaryFn epilogue) {
        int kp = (k + g - 1) / g * g;
        int groups = kp / g;
        Activations a = quantize(x, m, k, smooth, g);
        int[] dots = groupDots(a, qweight, n);
        float[] y = new float[m * n];
        double[] t = new double[r];
        for (int i = 0; i < m; i++) {
            // low-rank branch on the RAW input: t = x · proj_down (λ folded into proj_down)
            for (int j = 0; j < r; j++) {
                double s = 0;
                for (int kk = 0; kk < k; kk++) {
                    s += (double) x[i * k + kk] * down[kk * r + j];
                }
                t[j] = s;
            }
            for (int o = 0; o < n; o++) {
                double acc = 0;
                for (int j = 0; j < r; j++) {
                    acc += t[j] * up[o * r + j];
                }
                for (int gi = 0; gi < groups; gi++) {
                    acc += (double) a.sx[i * groups + gi] * wscales[gi * n + o] * dots[(i * n + o) * groups + gi];
                }
                if (bias != null) {
                    acc += bias[o];
                }
                y[i * n + o] = (float) SvdqMath.apply(epilogue, acc);
            }
        }
        return y;
    }

    /** Quantises x [M, K] row by row: x̂ = x / smooth, then per group of G (see {@link SvdqMath}). */
    public static Activations quantize(float[] x, int m, int k, float[] smooth, int g) {
        int kp = (k + g - 1) / g * g;
        int groups = kp / g;
        byte[] qx = new byte[m * kp];
        float[] sx = new float[m * groups];
        float[] xhat = new float[kp];
        for (int i = 0; i < m; i++) {
            for (int kk = 0; kk < k; kk++) {
                xhat[kk] = x[i * k + kk] / smooth[kk];
            }
            for (int gi = 0; gi < groups; gi++) {
                float amax = 0f;
                for (int kk = gi * g; kk < (gi + 1) * g; kk++) {
                    amax = Math.max(amax, Math.abs(xhat[kk]));
                }
                float s = SvdqMath.groupScale(amax);
                sx[i * groups + gi] = s;
                for (int kk = gi * g; kk < (gi + 1) * g; kk++) {
                    qx[i * kp + kk] = (byte) SvdqMath.quantize(xhat[kk], s);
                }
            }
        }
        return new Activations(m, kp, g, qx, sx);
    }

    /** The int32 group accumulators Σ_{k∈g} qx[m,k]·qw[n,k], laid out [M, N, Kp/G]. */
    public static int[] groupDots(Activations a, byte[] qweight, int n) {
        int kp = a.kp();
        int g = a.groupSize();
        int groups = a.groups();
        int[] out = new int[a.m() * n * groups];
        for (int i = 0; i < a.m(); i++) {
            for (int o = 0; o < n; o++) {
                for (int gi = 0; gi < groups; gi++) {
                    int acc = 0;
                    for (int kk = gi * g; kk < (gi + 1) * g; kk++) {
                        byte b = qweight[o * (kp / 2) + kk / 2];
                        int w = (kk & 1) == 0 ? SvdqMath.lowNibble(b) : SvdqMath.highNibble(b);
                        acc += a.qx()[i * kp + kk] * w;
                    }
                    out[(i * n + o) * groups + gi] = acc;
                }
            }
        }
        return out;
    }
}
