package dev.nibble.backend.vulkan;

import dev.nibble.backend.cpu.reference.Activations;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Cast;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shaders' own transcendentals (GLSL has no erf, and the built-in exp/tanh promise too little)
 * swept densely against the double-precision reference, element by element, with a relative bound
 * far inside the kit's tolerances; and the bit-exact float conversions over every binary16 value.
 */
class VulkanMathTest {
    private static int mark;

    @BeforeAll
    static void start() {
        mark = ValidationMessages.count();
    }

    @AfterAll
    static void silent() {
        VulkanTestDevice.assertNoValidationMessages(mark);
    }

    static Tensor run(VulkanDevice dev, Op op, Tensor x) {
        Value in = new Value(0, x.spec(), "x");
        TensorSpec outSpec = op.infer(List.of(x.spec())).get(0);
        Node node = new Node(0, op, List.of(in), List.of(new Value(1, outSpec, "y")), "math");
        try (DeviceBuffer bi = dev.upload(x); DeviceBuffer bo = dev.allocate(outSpec.byteSize())) {
            dev.compile(node).run(List.of(bi), List.of(bo));
            dev.synchronize();
            Tensor y = Tensor.zeros(outSpec.dtype(), outSpec.shape());
            dev.read(bo, y.data());
            return y;
        }
    }

    /** 0.5x(1 + tanh u) as x·σ(2u): the same function without the cancellation of 1 + tanh u in the tail. */
    static double geluTanh(double x) {
        double u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
        return x / (1 + Math.exp(-2 * u));
    }

    @ParameterizedTest
    @EnumSource(UnaryFn.class)
    void unaryAccurateEverywhere(UnaryFn fn) {
        VulkanDevice dev = VulkanTestDevice.get();
        int n = 40001;
        float[] xs = new float[n + 8];
        for (int i = 0; i < n; i++) {
            xs[i] = -20f + 40f * i / (n - 1);
        }
        float[] tiny = {1e-6f, -1e-6f, 3e-4f, -3e-4f, 0.02f, -0.02f, 0f, -0f};
        System.arraycopy(tiny, 0, xs, n, tiny.length);
        Tensor y = run(dev, new Unary(fn), Tensor.ofFloats(Shape.of(xs.length), xs));
        double worst = 0;
        float worstX = 0;
        for (int i = 0; i < xs.length; i++) {
            double ref = fn == UnaryFn.GELU_TANH ? geluTanh(xs[i]) : Activations.apply(fn, (double) xs[i]);
            double got = y.getFloat(i);
            if (Double.isInfinite(ref)) {
                assertEquals(ref, got, fn + "(" + xs[i] + ")");
                continue;
            }
            // relative error, with an absolute floor below the float normal range
            double err = Math.abs(got - ref) / Math.max(Math.abs(ref), 1e-30);
            if (Math.abs(ref) < 1e-30) { // near the subnormals: drivers may flush, and the reference loses digits
                err = Math.abs(got - ref) < 1e-30 ? 0 : 1;
            }
            if (err > worst) {
                worst = err;
                worstX = xs[i];
            }
        }
        // GELU_TANH: the float roundings of the cubic u (up to ~70 in the tail) reach e^(2u) as they would
        // for any float evaluation; still 500x inside the kit tolerance where values are not tiny
        double bound = fn == UnaryFn.GELU_TANH ? 2e-5 : 2e-6;
        float wx = worstX;
        double w = worst;
        assertTrue(worst <= bound, () -> fn + ": worst relative error " + w + " at x = " + wx);
    }

    @Test
    void halfAndBfloatConversionsAreBitExact() {
        VulkanDevice dev = VulkanTestDevice.get();
        // every binary16 bit pattern -> F32 -> back, against Java's conversions
        Tensor h = Tensor.zeros(DType.F16, Shape.of(65536));
        for (int i = 0; i < 65536; i++) {
            h.data().setAtIndex(Tensor.I16, i, (short) i);
        }
        Tensor f = run(dev, new Cast(DType.F32), h);
        for (int i = 0; i < 65536; i++) {
            float want = Float.float16ToFloat((short) i);
            float got = f.getFloat(i);
            if (Float.isNaN(want)) {
                assertTrue(Float.isNaN(got), "f16 " + Integer.toHexString(i));
            } else {
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "f16 " + Integer.toHexString(i));
            }
        }
        // floats around every rounding boundary of binary16 and bfloat16, subnormals and overflow included
        int n = 200_000;
        Tensor x = Tensor.zeros(DType.F32, Shape.of(n));
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            int bits = i < 65536 ? (Float.floatToRawIntBits(Float.float16ToFloat((short) i)) + (i % 3 - 1) * 0x1000)
                    : (int) rnd.nextLong(0x3000_0000L, 0x4800_0000L) | (rnd.nextBoolean() ? 0x8000_0000 : 0);
            x.data().setAtIndex(Tensor.I32, i, bits);
        }
        Tensor toH = run(dev, new Cast(DType.F16), x);
        Tensor toB = run(dev, new Cast(DType.BF16), x);
        for (int i = 0; i < n; i++) {
            float v = x.getFloat(i);
            if (Float.isNaN(v)) {
                continue;
            }
            assertEquals(Float.floatToFloat16(v), toH.data().getAtIndex(Tensor.I16, i), "to f16 of " + v);
            assertEquals(Tensor.floatToBf16(v), toB.data().getAtIndex(Tensor.I16, i), "to bf16 of " + v);
        }
    }
}
