package dev.nibble.models.common.nn;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.DiffusersConfig;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One golden reference case of {@code <shared>/golden/cases/<name>}: its case.json, inputs, float32
 * outputs and float64 outputs. The shared folder comes from the {@code nibble.shared} system property
 * (surefire sets it), else /work/shared; a missing folder fails the test rather than skipping it.
 */
public final class GoldenCase implements AutoCloseable {
    /** The golden README's bounds: max|Δ| ≤ 1e-4·max(1, max|ref|), ‖Δ‖/‖ref‖ ≤ 1e-5. */
    public static final double MAX_ABS_FACTOR = 1e-4;
    public static final double REL_L2 = 1e-5;

    private final String name;
    private final Path dir;
    private final DiffusersConfig json;
    private final SafetensorsFile inputs;
    private final SafetensorsFile outputs;
    private final SafetensorsFile outputs64;

    private GoldenCase(String name, Path dir) {
        this.name = name;
        this.dir = dir;
        this.json = DiffusersConfig.read(dir.resolve("case.json"));
        this.inputs = SafetensorsFile.open(dir.resolve("inputs.safetensors"));
        this.outputs = SafetensorsFile.open(dir.resolve("outputs.safetensors"));
        this.outputs64 = SafetensorsFile.open(dir.resolve("outputs_f64.safetensors"));
    }

    public static Path goldenRoot() {
        String prop = System.getProperty("nibble.shared");
        Path shared = Path.of(prop != null && !prop.isBlank() ? prop : "/work/shared");
        Path golden = shared.resolve("golden");
        if (!Files.isDirectory(golden.resolve("cases"))) {
            fail("golden reference data not found at " + golden + " (set -Dnibble.shared=<shared folder>)");
        }
        return golden;
    }

    public static GoldenCase open(String name) {
        Path dir = goldenRoot().resolve("cases").resolve(name);
        if (!Files.isRegularFile(dir.resolve("case.json"))) {
            fail("golden case " + name + " not found: " + dir);
        }
        return new GoldenCase(name, dir);
    }

    /**
     * The executor the tests use: the fast CPU device, no fallback; {@code -Dnibble.test.device=reference}
     * runs the same tests on the reference kernels.
     */
    public static Executor cpuExecutor() {
        boolean reference = "reference".equals(System.getProperty("nibble.test.device"));
        return new Executor(reference ? CpuBackend.referenceDevice() : CpuBackend.fastDevice(), null,
                ExecutionOptions.DEFAULT);
    }

    public String name() {
        return name;
    }

    public DiffusersConfig json() {
        return json;
    }

    /** The model component folder the case was run on. */
    public Path modelDir() {
        return goldenRoot().resolve(json.getString("model_dir"));
    }

    /** Output names in case.json order. */
    public List<String> outputNames() {
        List<String> out = new ArrayList<>();
        json.raw().get("output_tensors").fieldNames().forEachRemaining(out::add);
        return out;
    }

    public boolean hasInput(String n) {
        return inputs.contains(n);
    }

    /** An input, copied out of the mapping. */
    public Tensor input(String n) {
        return copy(inputs.tensor(n));
    }

    /** A float32 reference output, copied out of the mapping. */
    public Tensor output(String n) {
        return copy(outputs.tensor(n));
    }

    /**
     * Compares {@code actual} with the float32 and the float64 reference of {@code output}, prints
     * the errors and asserts the bounds.
     */
    public void check(String output, Tensor actual) {
        Tensor ref = outputs.tensor(output);
        assertEquals(ref.shape(), actual.shape(), name + " " + output + ": shape");
        Err e32 = error(actual, ref);
        Err e64 = error(actual, outputs64.tensor(output));
        System.out.printf(Locale.ROOT, "GOLDEN %-48s %-18s maxAbs=%.3e relL2=%.3e | vs f64: maxAbs=%.3e relL2=%.3e (ref max %.3f)%n",
                name, output, e32.maxAbs, e32.relL2, e64.maxAbs, e64.relL2, e32.refMax);
        for (Err e : List.of(e32, e64)) {
            double bound = MAX_ABS_FACTOR * Math.max(1, e.refMax);
            assertTrue(e.maxAbs <= bound, () -> String.format(Locale.ROOT, "%s %s: max |java - %s| = %.3e > %.3e",
                    name, output, e.label, e.maxAbs, bound));
            assertTrue(e.relL2 <= REL_L2, () -> String.format(Locale.ROOT, "%s %s: relative L2 vs %s = %.3e > %.1e",
                    name, output, e.label, e.relL2, REL_L2));
        }
    }

    private record Err(String label, double maxAbs, double relL2, double refMax) {}

    private static Err error(Tensor actual, Tensor ref) {
        double maxAbs = 0, num = 0, den = 0, refMax = 0;
        for (long i = 0; i < ref.numel(); i++) {
            double r = ref.getFloat(i);
            if (ref.dtype() == dev.nibble.engine.tensor.DType.F64) {
                r = ref.data().getAtIndex(Tensor.F64, i);
            }
            double a = actual.getFloat(i);
            double d = a - r;
            if (Double.isNaN(d)) {
                maxAbs = Double.NaN;
            } else {
                maxAbs = Math.max(maxAbs, Math.abs(d));
            }
            num += d * d;
            den += r * r;
            refMax = Math.max(refMax, Math.abs(r));
        }
        double rel = den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
        return new Err(ref.dtype().toString(), Double.isNaN(maxAbs) ? Double.POSITIVE_INFINITY : maxAbs,
                Double.isNaN(rel) ? Double.POSITIVE_INFINITY : rel, refMax);
    }

    private static Tensor copy(Tensor t) {
        Tensor out = Tensor.zeros(t.dtype(), t.shape());
        MemorySegment.copy(t.data(), 0, out.data(), 0, t.byteSize());
        return out;
    }

    @Override
    public void close() {
        inputs.close();
        outputs.close();
        outputs64.close();
    }
}
