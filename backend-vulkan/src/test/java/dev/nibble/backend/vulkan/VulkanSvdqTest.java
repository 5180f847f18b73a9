package dev.nibble.backend.vulkan;

import dev.nibble.backend.cpu.svdq.SvdqCases;
import dev.nibble.backend.cpu.svdq.SvdqReference;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused SVDQ kernels against the reference SvdqLinear (DESIGN.md §3) on the SVDQ owner's cases:
 * K not a multiple of the group, M/N at tile edges, ranks 1..32, every epilogue, F32/F16/BF16 side
 * tensors, group 32, a rank-3 input — plus group sizes that take the per-output kernel (G not a
 * multiple of 8) and an unaligned qweight (byte loads).
 */
class VulkanSvdqTest {
    private static int mark;

    @BeforeAll
    static void start() {
        mark = ValidationMessages.count();
    }

    @AfterAll
    static void silent() {
        VulkanTestDevice.assertNoValidationMessages(mark);
    }

    static List<SvdqCases.Case> cases() {
        List<SvdqCases.Case> all = new ArrayList<>(SvdqCases.all(42));
        all.add(SvdqCases.random(9, 30, 17, 4, 6, true, UnaryFn.GELU, DType.F32, 7));
        all.add(SvdqCases.random(5, 100, 70, 8, 10, false, UnaryFn.IDENTITY, DType.F16, 8));
        all.add(SvdqCases.random(70, 300, 130, 40, 128, true, UnaryFn.SILU, DType.BF16, 9));
        return all;
    }

    @TestFactory
    Stream<DynamicTest> matchesTheReference() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c, 0)));
    }

    @TestFactory
    Stream<DynamicTest> unalignedQweightTakesByteLoads() {
        return cases().stream().filter(c -> c.op().groupSize() % 8 == 0).limit(3)
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c, 2)));
    }

    @TestFactory
    Stream<DynamicTest> activationQuantisationIsBitExact() {
        VulkanDevice dev = VulkanTestDevice.get();
        // both variants of the exact divisions where the device can run both
        List<Boolean> variants = dev.info().float64() ? List.of(true, false) : List.of(false);
        return variants.stream().flatMap(f64 -> Stream.concat(Stream.of(tiesCase()), cases().stream().limit(12))
                .map(c -> DynamicTest.dynamicTest((f64 ? "f64 " : "f32 ") + c.name(), () -> checkQuantisation(c, f64))));
    }

    /** Values on exact .5 steps of the group scale: round-half-even must decide (2.5 → 2, 3.5 → 4, −0.5 → −0). */
    static SvdqCases.Case tiesCase() {
        SvdqCases.Case base = SvdqCases.random(3, 64, 8, 4, 16, false, UnaryFn.IDENTITY, DType.F32, 5);
        Tensor x = Tensor.zeros(DType.F32, Shape.of(3, 64));
        float[] steps = {7f, 3.5f, 2.5f, 1.5f, 0.5f, -0.5f, -1.5f, -2.5f, -3.5f, -6.5f, 5.5f, 4.5f, 0f, -0f, 6.5f, -7f};
        for (int i = 0; i < 3 * 64; i++) {
            x.setFloat(i, steps[i % 16] * (1 + i / 64));
        }
        Tensor smooth = Tensor.zeros(DType.F32, Shape.of(64));
        for (int i = 0; i < 64; i++) {
            smooth.setFloat(i, 1f);
        }
        List<Tensor> in = new ArrayList<>(base.inputs());
        in.set(0, x);
        in.set(3, smooth);
        return new SvdqCases.Case("ties g16", base.op(), in);
    }

    private static void checkQuantisation(SvdqCases.Case c, boolean f64) {
        VulkanDevice dev = VulkanTestDevice.get();
        Tensor x = c.inputs().get(0);
        int k = x.shape().last();
        int m = (int) (x.numel() / k);
        int g = c.op().groupSize();
        int kp = c.op().paddedK(k);
        int r = c.inputs().get(4).shape().dim(1);
        float[] smooth = c.inputs().get(3).toFloatArray();
        SvdqReference.Activations want = SvdqReference.quantize(x.toFloatArray(), m, k, smooth, g);
        Gpu gpu = dev.gpu();
        int kw = (kp + 7) / 8;
        try (GpuBuffer bx = (GpuBuffer) dev.upload(x); GpuBuffer bs = (GpuBuffer) dev.upload(c.inputs().get(3));
             GpuBuffer bd = (GpuBuffer) dev.upload(c.inputs().get(4)); GpuBuffer qx = gpu.allocate(4L * m * kw);
             GpuBuffer sx = gpu.allocate(4L * m * want.groups()); GpuBuffer t = gpu.allocate(4L * m * r)) {
            SvdqKernel.quantize(gpu, SvdqKernel.plan(g, r, dev.info()), f64, bx, bs, bd, qx, sx, t, m, k, g, r,
                    VkKernels.dt(c.inputs().get(3).dtype()), VkKernels.dt(c.inputs().get(4).dtype()));
            dev.synchronize();
            Tensor words = Tensor.zeros(DType.I32, Shape.of(m, kw));
            Tensor scales = Tensor.zeros(DType.F32, Shape.of(m, want.groups()));
            dev.read(qx, words.data());
            dev.read(sx, scales.data());
            for (int i = 0; i < m; i++) {
                for (int gi = 0; gi < want.groups(); gi++) {
                    float ws = want.sx()[i * want.groups() + gi];
                    float gs = scales.getFloat((long) i * want.groups() + gi);
                    assertEquals(Float.floatToRawIntBits(ws), Float.floatToRawIntBits(gs),
                            c.name() + ": sx[" + i + "," + gi + "]");
                }
                for (int kk = 0; kk < kp; kk++) {
                    int word = (int) words.getLong((long) i * kw + kk / 8);
                    int code = (word << (28 - 4 * (kk % 8))) >> 28;
                    assertEquals(want.qx()[i * kp + kk], code,
                            c.name() + ": qx[" + i + "," + kk + "]");
                }
            }
        }
    }

    /** Runs on the Vulkan device with qweight placed {@code shift} bytes past a word boundary. */
    private static void check(SvdqCases.Case c, int shift) {
        VulkanDevice dev = VulkanTestDevice.get();
        Node node = c.node();
        Tensor want = c.run(SvdqReference.factory().create(node));
        List<DeviceBuffer> roots = new ArrayList<>();
        List<DeviceBuffer> ins = new ArrayList<>();
        try {
            for (int i = 0; i < c.inputs().size(); i++) {
                Tensor t = c.inputs().get(i);
                int pad = i == 1 ? shift : 0;
                DeviceBuffer b = dev.allocate(t.byteSize() + pad);
                roots.add(b);
                DeviceBuffer s = b.slice(pad, t.byteSize());
                dev.write(s, t.data());
                ins.add(s);
            }
            DeviceBuffer y = dev.allocate(want.byteSize());
            roots.add(y);
            dev.compile(node).run(ins, List.of(y));
            dev.synchronize();
            Tensor got = Tensor.zeros(DType.F32, want.shape());
            dev.read(y, got.data());
            double maxRef = 0, maxDiff = 0;
            int worst = -1;
            for (int i = 0; i < want.numel(); i++) {
                maxRef = Math.max(maxRef, Math.abs(want.getFloat(i)));
                double d = Math.abs(want.getFloat(i) - got.getFloat(i));
                if (!(d <= maxDiff)) {
                    maxDiff = d;
                    worst = i;
                }
            }
            double tol = SvdqCases.tolerance() * (1 + maxRef);
            double md = maxDiff;
            int w = worst;
            assertTrue(maxDiff <= tol, () -> c.name() + ": max |Δ| " + md + " > " + tol + " at " + w + ": got "
                    + got.getFloat(w) + ", reference " + want.getFloat(w));
        } finally {
            roots.forEach(DeviceBuffer::close);
        }
    }
}
