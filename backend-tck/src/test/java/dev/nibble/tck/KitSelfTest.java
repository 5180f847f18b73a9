package dev.nibble.tck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.Softmax;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kit catches planted bugs, reports them clearly, and never counts UNSUPPORTED as a pass. */
class KitSelfTest {
    /** A Linear case whose last output column and last K column both matter. */
    private static final String LINEAR = "x[7,65] w[64,65] b[64]";

    private static TckResult runLinear(PlantedDevice d) {
        List<TckResult> rs = ConformanceKit.forDevice(d).onlyOps("Linear").onlyCases("^Linear/x\\[7,65\\] w\\[64,65\\] b\\[64\\]$")
                .run().results();
        assertEquals(1, rs.size(), "exactly the one Linear case " + LINEAR);
        return rs.get(0);
    }

    @Test
    void cleanDevicePasses() {
        TckReport r = ConformanceKit.forDevice(new PlantedDevice()).onlyOps("Linear", "Softmax", "Attention").run();
        assertTrue(r.results().size() > 100, "cases run: " + r.results().size());
        r.requireAllSupported();
        assertEquals(r.results().size(), r.count(TckStatus.PASS));
    }

    @Test
    void unwrittenColumnIsCaught() {
        TckResult r = runLinear(new PlantedDevice().plant(Linear.class, PlantedKernels::skipLastColumn));
        assertEquals(TckStatus.FAIL, r.status(), r.describe());
        assertTrue(r.message().contains("7 of 448 output elements never written") && r.message().contains("first at [0, 63]"),
                r.message());
    }

    @Test
    void offByOneReductionIsCaught() {
        TckResult r = runLinear(new PlantedDevice().plant(Linear.class, PlantedKernels::skipLastK));
        assertEquals(TckStatus.FAIL, r.status(), r.describe());
        assertTrue(r.message().contains("error above tolerance") && r.maxError() > 1e-3, r.describe());
    }

    @Test
    void nanIsCaught() {
        TckResult r = runLinear(new PlantedDevice().plant(Linear.class, PlantedKernels::oneNaN));
        assertEquals(TckStatus.FAIL, r.status(), r.describe());
        assertTrue(r.message().contains("1 non-finite output value(s) where the reference is finite, first NaN at [3, 32]"),
                r.message());
        assertEquals(0, r.maxError(), 1e-6, "the finite elements still agree");
    }

    @Test
    void outOfBoundsWriteIsCaught() {
        TckResult r = runLinear(new PlantedDevice().plant(Linear.class, PlantedKernels::writePastEnd));
        assertEquals(TckStatus.FAIL, r.status(), r.describe());
        assertTrue(r.message().contains("out-of-bounds write around output 0 (1792 bytes): guard after its end modified"),
                r.message());
        assertTrue(r.message().contains("bytes 0 to 3 relative to its end"), r.message());
    }

    @Test
    void writingAnInputIsCaught() {
        TckResult r = runLinear(new PlantedDevice().plant(Linear.class, PlantedKernels::scribbleOnInput));
        assertEquals(TckStatus.FAIL, r.status(), r.describe());
        assertTrue(r.message().contains("kernel modified input 0"), r.message());
    }

    @Test
    void kernelExceptionIsAFailure() {
        TckResult r = runLinear(new PlantedDevice().plant(Linear.class, PlantedKernels::throwing));
        assertEquals(TckStatus.FAIL, r.status());
        assertTrue(r.message().contains("kernel threw java.lang.IllegalStateException: planted failure"), r.message());
    }

    @Test
    void bugsInOtherOpsAreCaughtToo() {
        PlantedDevice d = new PlantedDevice().plant(Softmax.class, PlantedKernels::oneNaN)
                .plant(Unary.class, PlantedKernels::writePastEnd);
        TckReport r = ConformanceKit.forDevice(d).onlyOps("Softmax", "Unary.GELU").run();
        assertEquals(r.results().size(), r.count(TckStatus.FAIL), r.toTable());
    }

    @Test
    void unsupportedIsReportedNotPassed() {
        ConformanceKit kit = ConformanceKit.forDevice(new PlantedDevice().decline(Attention.class)).onlyOps("Attention", "Softmax");
        TckReport r = kit.run();
        long attention = r.results().stream().filter(x -> x.op().equals("Attention")).count();
        assertTrue(attention > 20);
        assertEquals(attention, r.count(TckStatus.UNSUPPORTED));
        assertTrue(r.unsupported().stream().allMatch(x -> x.message().equals("declined by the test device")));
        assertTrue(r.allPassed(), "UNSUPPORTED alone is not a failure");
        assertFalse(r.allSupported());
        AssertionError e = assertThrows(AssertionError.class, r::requireAllSupported);
        assertTrue(e.getMessage().contains(attention + " conformance case(s) unsupported on planted"), e.getMessage());
        assertTrue(r.toTable().lines().anyMatch(l -> l.matches("Attention\\s+0\\s+0\\s+" + attention + "\\s+-")), r.toTable());

        TckResult one = r.unsupported().get(0);
        assertThrows(TestAbortedException.class, () -> ConformanceTests.check(kit, one));
        assertThrows(AssertionFailedError.class, () -> ConformanceTests.check(kit.requireAllSupported(), one));
    }

    @Test
    void reportTableAndJson() throws Exception {
        TckReport r = ConformanceKit.forDevice(new PlantedDevice().plant(Linear.class, PlantedKernels::oneNaN))
                .onlyOps("Linear", "Copy").run();
        assertFalse(r.allPassed());
        String table = r.toTable();
        assertTrue(table.contains("failures:") && table.contains("FAIL Linear/" + LINEAR), table);
        assertThrows(AssertionError.class, r::requireAllPassed);

        JsonNode json = new ObjectMapper().readTree(r.toJson());
        assertEquals("planted", json.get("device").asText());
        assertEquals(r.count(TckStatus.FAIL), json.get("summary").get("fail").asLong());
        assertEquals(r.count(TckStatus.PASS), json.get("summary").get("pass").asLong());
        assertEquals(r.results().size(), json.get("results").size());
        JsonNode row = json.get("results").get(0);
        assertEquals("Linear", row.get("op").asText());
        assertEquals("FAIL", row.get("status").asText());
    }

    @Test
    void dynamicTestsHaveOneContainerPerOpAndOneTestPerCase() {
        ConformanceKit kit = ConformanceKit.forDevice(CpuBackend.referenceDevice()).onlyOps("Softmax", "Reduce");
        var names = ConformanceTests.dynamicTests(kit).map(n -> n.getDisplayName()).toList();
        assertEquals(List.of("Softmax", "Reduce.SUM", "Reduce.MEAN", "Reduce.MAX", "Reduce.MIN"), names);
    }

    @Test
    void everyOpButSvdqHasCases() {
        Set<String> covered = ConformanceKit.allCases().stream().map(TckCase::family).collect(Collectors.toSet());
        for (Class<?> op : Op.class.getPermittedSubclasses()) {
            if (op != SvdqLinear.class) {
                assertTrue(covered.contains(op.getSimpleName()), "no conformance case for " + op.getSimpleName());
            }
        }
        Set<String> unary = ConformanceKit.allCases().stream().map(TckCase::opName).filter(n -> n.startsWith("Unary."))
                .collect(Collectors.toSet());
        assertEquals(UnaryFn.values().length, unary.size());
    }

    @Test
    void inputsAreReproducibleAndSeedDependent() {
        TckCase c = ConformanceKit.allCases().get(0);
        float[] a = c.generateInputs(1).get(0).toFloatArray();
        float[] b = c.generateInputs(1).get(0).toFloatArray();
        float[] other = c.generateInputs(2).get(0).toFloatArray();
        assertTrue(Arrays.equals(a, b));
        assertFalse(Arrays.equals(a, other));
    }

    @Test
    void toleranceLookupPrefersTheMostSpecificEntry() {
        Tolerances t = Tolerances.defaults().with("Unary.EXP", null, new Tolerance(1e-3, 1e-3));
        assertEquals(1e-3, t.lookup("Unary.EXP", "Unary", DType.F32).maxError());
        assertEquals(1e-5, t.lookup("Unary.GELU", "Unary", DType.F32).maxError());
        assertEquals(2e-3, t.lookup("Linear", "Linear", DType.F16).maxError());
        assertEquals(Tolerance.EXACT, t.lookup("Reduce.MAX", "Reduce", DType.F32));
    }
}
