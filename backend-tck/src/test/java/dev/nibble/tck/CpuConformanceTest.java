package dev.nibble.tck;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.spi.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU backend through the kit. It lives here, not in backend-cpu, because the kit depends on
 * backend-cpu (for the reference device).
 */
class CpuConformanceTest {
    private static final ConformanceKit KIT = ConformanceKit.forDevice(CpuBackend.fastDevice()).requireAllSupported();
    private static final List<TckResult> RESULTS = new CopyOnWriteArrayList<>();

    /** The fast CPU device (the one the engine uses) claims every op. */
    @TestFactory
    Stream<DynamicNode> fastCpuDevice() {
        return ConformanceTests.dynamicTests(KIT, RESULTS::add);
    }

    @AfterAll
    static void printReport() {
        if (!RESULTS.isEmpty()) {
            System.out.println(KIT.report(RESULTS).toTable());
        }
    }

    /** The oracle must accept every case the kit has (else nothing can be judged against it). */
    @Test
    void referenceDeviceSupportsEveryCase() {
        Device ref = CpuBackend.referenceDevice();
        for (TckCase c : ConformanceKit.allCases()) {
            assertTrue(ref.supports(c.node()).supported(), () -> c.id() + ": " + ref.supports(c.node()).reason());
        }
    }

    /** The reference run twice on the same inputs gives identical bits (the kit needs a stable oracle). */
    @Test
    void referenceIsDeterministic() {
        TckReport r = ConformanceKit.forDevice(CpuBackend.referenceDevice()).onlyOps("Linear", "Attention", "Conv2d")
                .tolerances(Tolerances.uniform(Tolerance.EXACT))
                .run();
        r.requireAllPassed();
    }
}
