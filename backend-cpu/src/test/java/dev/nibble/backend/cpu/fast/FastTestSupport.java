package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Builds one-node graphs, runs them on the fast CPU device, and compares with scalar loops. */
final class FastTestSupport {
    private FastTestSupport() {
    }

    static Node node(Op op, TensorSpec... inputs) {
        GraphBuilder g = new GraphBuilder();
        Value[] vs = new Value[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            vs[i] = g.input("in" + i, inputs[i]);
        }
        g.apply(op, "node", vs);
        return g.build(List.of()).nodes().get(0);
    }

    static Kernel compile(Node n) {
        return CpuBackend.fastDevice().compile(n);
    }

    /** Runs {@code op} on the fast device; returns its outputs. */
    static List<Tensor> run(Op op, Tensor... inputs) {
        TensorSpec[] specs = new TensorSpec[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            specs[i] = inputs[i].spec();
        }
        Node n = node(op, specs);
        Kernel k = compile(n);
        return run(k, n, inputs);
    }

    static List<Tensor> run(Kernel k, Node n, Tensor... inputs) {
        List<DeviceBuffer> in = new ArrayList<>();
        for (Tensor t : inputs) {
            in.add(HostBuffer.view(t.data()));
        }
        List<Tensor> outs = new ArrayList<>();
        List<DeviceBuffer> ob = new ArrayList<>();
        for (Value v : n.outputs()) {
            Tensor t = Tensor.zeros(v.spec().dtype(), v.spec().shape());
            // sentinel: kernels must write every element
            for (long i = 0; i < t.numel() && v.spec().dtype() == DType.F32; i++) {
                t.setFloat(i, Float.NaN);
            }
            outs.add(t);
            ob.add(HostBuffer.view(t.data()));
        }
        k.run(in, ob);
        return outs;
    }

    static Tensor rand(Random r, DType t, int... dims) {
        Tensor x = Tensor.zeros(t, Shape.of(dims));
        for (long i = 0; i < x.numel(); i++) {
            x.setFloat(i, (float) (r.nextGaussian()));
        }
        return x;
    }

    static Tensor randUniform(Random r, float lo, float hi, int... dims) {
        Tensor x = Tensor.zeros(DType.F32, Shape.of(dims));
        for (long i = 0; i < x.numel(); i++) {
            x.setFloat(i, lo + (hi - lo) * r.nextFloat());
        }
        return x;
    }

    static float[] f(Tensor t) {
        return t.toFloatArray();
    }

    /** max|a−b| / max(1, max|ref|) ≤ maxErr and ‖a−b‖/‖ref‖ ≤ relL2, as the conformance kit measures. */
    static void assertClose(String what, double[] ref, Tensor actual, double maxErr, double relL2) {
        float[] a = actual.toFloatArray();
        if (a.length != ref.length) {
            fail(what + ": " + a.length + " values, expected " + ref.length);
        }
        double maxRef = 0, maxDiff = 0, num = 0, den = 0;
        int worst = -1;
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(ref[i]) != Float.isNaN(a[i])) {
                fail(what + ": NaN mismatch at " + i + ": got " + a[i] + ", expected " + ref[i]);
            }
            if (Double.isNaN(ref[i]) || Double.isInfinite(ref[i]) && ref[i] == a[i]) {
                continue;
            }
            double d = Math.abs(a[i] - ref[i]);
            if (!(d <= maxDiff)) {
                maxDiff = d;
                worst = i;
            }
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            num += d * d;
            den += ref[i] * ref[i];
        }
        double max = maxDiff / Math.max(1, maxRef);
        double l2 = den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
        final int w = worst;
        assertTrue(max <= maxErr && l2 <= relL2, () -> what + ": max err " + max + " (at " + w + ": got "
                + (w >= 0 ? a[w] : 0) + ", expected " + (w >= 0 ? ref[w] : 0) + "), rel L2 " + l2);
    }

    static void assertExact(String what, double[] ref, Tensor actual) {
        float[] a = actual.toFloatArray();
        if (a.length != ref.length) {
            fail(what + ": " + a.length + " values, expected " + ref.length);
        }
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToIntBits(a[i]) != Float.floatToIntBits((float) ref[i])) {
                fail(what + ": at " + i + " got " + a[i] + ", expected " + (float) ref[i]);
            }
        }
    }
}
