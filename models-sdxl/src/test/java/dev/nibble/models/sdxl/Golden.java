package dev.nibble.models.sdxl;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.DiffusersConfig;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One golden reference case of {@code <shared>/golden/cases/<name>}. The shared folder comes from the
 * {@code nibble.shared} system property (surefire sets it), else /work/shared; a missing folder fails the
 * test, it never skips.
 */
final class Golden implements AutoCloseable {
    /** The golden README's bounds: max|Δ| ≤ 1e-4·max(1, max|ref|), ‖Δ‖/‖ref‖ ≤ 1e-5. */
    static final double MAX_ABS_FACTOR = 1e-4;
    static final double REL_L2 = 1e-5;

    /** The errors of one comparison. */
    record Err(double maxAbs, double relL2, double refMax) {}

    private final String name;
    private final DiffusersConfig json;
    private final SafetensorsFile inputs;
    private final SafetensorsFile outputs;
    private final SafetensorsFile outputs64;

    private Golden(String name, Path dir) {
        this.name = name;
        this.json = DiffusersConfig.read(dir.resolve("case.json"));
        this.inputs = Files.isRegularFile(dir.resolve("inputs.safetensors"))
                ? SafetensorsFile.open(dir.resolve("inputs.safetensors")) : null;
        this.outputs = SafetensorsFile.open(dir.resolve("outputs.safetensors"));
        this.outputs64 = Files.isRegularFile(dir.resolve("outputs_f64.safetensors"))
                ? SafetensorsFile.open(dir.resolve("outputs_f64.safetensors")) : null;
    }

    static Path root() {
        String prop = System.getProperty("nibble.shared");
        Path shared = Path.of(prop != null && !prop.isBlank() ? prop : "/work/shared");
        Path golden = shared.resolve("golden");
        if (!Files.isDirectory(golden.resolve("cases"))) {
            fail("golden reference data not found at " + golden + " (set -Dnibble.shared=<shared folder>)");
        }
        return golden;
    }

    static Golden open(String name) {
        Path dir = root().resolve("cases").resolve(name);
        if (!Files.isRegularFile(dir.resolve("case.json"))) {
            fail("golden case " + name + " not found: " + dir);
        }
        return new Golden(name, dir);
    }

    static Executor cpu() {
        return new Executor(CpuBackend.fastDevice(), null, ExecutionOptions.DEFAULT);
    }

    DiffusersConfig json() {
        return json;
    }

    Path modelDir() {
        return root().resolve(json.getString("model_dir"));
    }

    Tensor input(String n) {
        return copy(inputs.tensor(n));
    }

    boolean hasOutput(String n) {
        return outputs.contains(n);
    }

    Tensor output(String n) {
        return copy(outputs.tensor(n));
    }

    /** Model-case bounds (max abs and relative L2) against the float32 and float64 references. */
    void checkModel(String output, Tensor actual) {
        Err e32 = compare(output, actual, outputs.tensor(output), "f32");
        assertBounds(output, "f32", e32, true);
        if (outputs64 != null && outputs64.contains(output)) {
            Err e64 = compare(output, actual, outputs64.tensor(output), "f64");
            assertBounds(output, "f64", e64, true);
        }
    }

    /** Pipeline-intermediate bound: max abs ≤ 1e-4·max(1, max|ref|) against the float32 reference. */
    Err checkIntermediate(String output, Tensor actual) {
        Err e = compare(output, actual, outputs.tensor(output), "f32");
        assertBounds(output, "f32", e, false);
        if (outputs64 != null && outputs64.contains(output)) {
            assertBounds(output, "f64", compare(output, actual, outputs64.tensor(output), "f64"), false);
        }
        return e;
    }

    /** The final image bound: max abs ≤ 1e-4 (values in [0, 1]). */
    Err checkImage(String output, Tensor actual) {
        Err e = compare(output, actual, outputs.tensor(output), "f32");
        assertTrue(e.maxAbs <= 1e-4, () -> String.format(Locale.ROOT, "%s %s: max |java - ref| = %.3e > 1e-4",
                name, output, e.maxAbs));
        if (outputs64 != null && outputs64.contains(output)) {
            Err e64 = compare(output, actual, outputs64.tensor(output), "f64");
            assertTrue(e64.maxAbs <= 1e-4, () -> String.format(Locale.ROOT, "%s %s: max |java - f64| = %.3e > 1e-4",
                    name, output, e64.maxAbs));
        }
        return e;
    }

    private void assertBounds(String output, String label, Err e, boolean relL2) {
        double bound = MAX_ABS_FACTOR * Math.max(1, e.refMax);
        assertTrue(e.maxAbs <= bound, () -> String.format(Locale.ROOT, "%s %s: max |java - %s| = %.3e > %.3e",
                name, output, label, e.maxAbs, bound));
        if (relL2) {
            assertTrue(e.relL2 <= REL_L2, () -> String.format(Locale.ROOT, "%s %s: relative L2 vs %s = %.3e > %.1e",
                    name, output, label, e.relL2, REL_L2));
        }
    }

    private Err compare(String output, Tensor actual, Tensor ref, String label) {
        assertEquals(ref.shape(), actual.shape(), name + " " + output + ": shape");
        double maxAbs = 0, num = 0, den = 0, refMax = 0;
        boolean nan = false;
        for (long i = 0; i < ref.numel(); i++) {
            double r = ref.dtype() == DType.F64 ? ref.data().getAtIndex(Tensor.F64, i) : ref.getFloat(i);
            double d = actual.getFloat(i) - r;
            nan |= Double.isNaN(d);
            maxAbs = Math.max(maxAbs, Math.abs(d));
            num += d * d;
            den += r * r;
            refMax = Math.max(refMax, Math.abs(r));
        }
        double rel = den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
        Err e = nan ? new Err(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, refMax) : new Err(maxAbs, rel, refMax);
        System.out.printf(Locale.ROOT, "GOLDEN %-34s %-38s vs %s: maxAbs=%.3e relL2=%.3e (ref max %.3f)%n",
                name, output, label, e.maxAbs, e.relL2, e.refMax);
        return e;
    }

    private static Tensor copy(Tensor t) {
        Tensor out = Tensor.zeros(t.dtype(), t.shape());
        MemorySegment.copy(t.data(), 0, out.data(), 0, t.byteSize());
        return out;
    }

    @Override
    public void close() {
        if (inputs != null) {
            inputs.close();
        }
        outputs.close();
        if (outputs64 != null) {
            outputs64.close();
        }
    }
}
