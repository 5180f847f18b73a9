package dev.nibble.backend.opencl;

import dev.nibble.tck.ConformanceKit;
import dev.nibble.tck.ConformanceTests;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/**
 * The conformance kit over the OpenCL device: every case of every op against the CPU reference.
 * The backend claims the whole catalogue, so an UNSUPPORTED case fails like a wrong result.
 */
class OpenClConformanceTest {
    @TestFactory
    Stream<DynamicNode> conformance() {
        return ConformanceTests.dynamicTests(ConformanceKit.forDevice(OpenClTestSupport.device()).requireAllSupported());
    }

    /**
     * The same kit over the kernels written for devices with on-chip local memory (tiled GEMM,
     * K/V-staged attention, work-group row reductions, cooperative SVDQ quantisation), forced on the
     * device at hand, for the ops whose kernels differ.
     */
    @TestFactory
    Stream<DynamicNode> conformanceWithLocalMemoryKernels() {
        ConformanceKit kit = ConformanceKit.forDevice(OpenClTestSupport.localTilesDevice()).requireAllSupported()
                .onlyOps("Linear", "Attention", "LayerNorm", "RmsNorm", "GroupNorm", "Softmax", "SvdqLinear");
        return ConformanceTests.dynamicTests(kit);
    }

    /**
     * The generic register-blocked Linear and SVDQ kernels (for devices with neither real local memory
     * nor a CPU device type; the CPU device at hand otherwise runs its own CPU kernels).
     */
    @TestFactory
    Stream<DynamicNode> conformanceWithGenericRegisterBlockedKernels() {
        ConformanceKit kit = ConformanceKit.forDevice(OpenClTestSupport.registerBlockedDevice()).requireAllSupported()
                .onlyOps("Linear", "SvdqLinear");
        return ConformanceTests.dynamicTests(kit);
    }

    /** The CPU kernels' portable path (no x86 builtins in the 4-bit GEMM). */
    @TestFactory
    Stream<DynamicNode> conformanceWithPortableCpuKernels() {
        ConformanceKit kit = ConformanceKit.forDevice(OpenClTestSupport.portableCpuDevice()).requireAllSupported()
                .onlyOps("SvdqLinear");
        return ConformanceTests.dynamicTests(kit);
    }
}
