package dev.nibble.backend.opencl;

import dev.nibble.backend.cpu.svdq.SvdqCases;
import dev.nibble.backend.cpu.svdq.SvdqReference;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused SVDQ kernels against the reference SvdqLinear (DESIGN.md §3) on the SVDQ owner's cases
 * ({@link SvdqCases}): outputs within {@link SvdqCases#tolerance()}, and the activation quantisation
 * (codes and scales) bit-identical to {@link SvdqReference#quantize}, on every kernel variant: the
 * device's own choice (the CPU-device kernels on PoCL), the local-memory kernels, the generic
 * register-blocked kernels and the CPU kernels' portable (non-x86) path.
 */
class OpenClSvdqTest {
    private static final long SEED = 20_240_611L;

    @TestFactory
    Stream<DynamicTest> deviceKernels() {
        return tests(false);
    }

    @TestFactory
    Stream<DynamicTest> localMemoryKernels() {
        return tests(true);
    }

    /** The generic register-blocked kernels (neither local memory nor a CPU device): a few F32 layers. */
    @TestFactory
    Stream<DynamicTest> genericRegisterBlockedKernels() {
        return tests(OpenClTestSupport.registerBlockedDevice(), true);
    }

    /** The CPU-device kernels' portable path (no x86 builtins): a few F32 layers. */
    @TestFactory
    Stream<DynamicTest> portableCpuKernels() {
        return tests(OpenClTestSupport.portableCpuDevice(), true);
    }

    private Stream<DynamicTest> tests(boolean local) {
        return tests(local ? OpenClTestSupport.localTilesDevice() : OpenClTestSupport.device(), local);
    }

    private Stream<DynamicTest> tests(OpenClDevice d, boolean subset) {
        List<SvdqCases.Case> cases = SvdqCases.all(SEED);
        if (subset) { // a few F32 layers (each dtype mix is another build)
            cases = cases.stream().filter(c -> c.inputs().get(2).dtype() == DType.F32).limit(6).toList();
        }
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(d, c)));
    }

    private static void check(OpenClDevice d, SvdqCases.Case c) {
        assertTrue(d.supports(c.node()).supported(), d.supports(c.node()).reason());
        Tensor expected = c.run(SvdqReference.factory().create(c.node()));
        Kernel k = d.compile(c.node());
        Tensor y = run(d, k, c);

        float[] e = expected.toFloatArray(), a = y.toFloatArray();
        double maxRef = 0, maxDiff = 0;
        int worst = 0;
        for (int i = 0; i < e.length; i++) {
            assertTrue(Float.isFinite(a[i]), "non-finite output at " + i + ": " + a[i]);
            maxRef = Math.max(maxRef, Math.abs(e[i]));
            double diff = Math.abs(a[i] - e[i]);
            if (diff > maxDiff) {
                maxDiff = diff;
                worst = i;
            }
        }
        double tol = SvdqCases.tolerance() * (1 + maxRef);
        assertTrue(maxDiff <= tol, String.format(Locale.ROOT, "%s: max |Δ| %.3g above %.3g at %d (got %s, reference %s)",
                c.name(), maxDiff, tol, worst, a[worst], e[worst]));

        // the integer part: activation codes and scales exactly as the reference quantises them
        var q = ((SvdqKernels.SvdqKernel) k).readQuantized();
        Tensor x = c.inputs().get(0);
        int kk = x.shape().last();
        int m = Math.toIntExact(x.numel() / kk);
        SvdqReference.Activations ref = SvdqReference.quantize(x.toFloatArray(), m, kk, c.inputs().get(3).toFloatArray(),
                c.op().groupSize());
        assertArrayEquals(ref.sx(), q.sx(), "activation scales");
        assertArrayEquals(ref.qx(), q.qx(), "activation codes");
    }

    private static Tensor run(OpenClDevice d, Kernel k, SvdqCases.Case c) {
        List<DeviceBuffer> ins = new ArrayList<>();
        for (Tensor t : c.inputs()) {
            ins.add(d.upload(t));
        }
        Tensor y = Tensor.zeros(DType.F32, c.output().shape());
        try (DeviceBuffer out = d.allocate(y.byteSize())) {
            k.run(ins, List.of(out));
            d.synchronize();
            d.read(out, y.data());
        } finally {
            ins.forEach(DeviceBuffer::close);
        }
        assertEquals(c.output(), y.spec());
        return y;
    }
}
