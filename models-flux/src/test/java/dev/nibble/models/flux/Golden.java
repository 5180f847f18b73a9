package dev.nibble.models.flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.engine.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared golden set (PyTorch diffusers references). Its absence is a broken checkout, so tests
 * fail rather than skip.
 */
final class Golden {
    private Golden() {
    }

    static Path root() {
        List<Path> tried = new ArrayList<>();
        String prop = System.getProperty("nibble.shared");
        if (prop != null && !prop.isBlank()) {
            tried.add(Path.of(prop).resolve("golden"));
        }
        tried.add(Path.of("/work/shared/golden"));
        for (Path p : tried) {
            if (Files.isDirectory(p.resolve("models")) && Files.isDirectory(p.resolve("cases"))) {
                return p.toAbsolutePath().normalize();
            }
        }
        return fail("golden reference set not found; tried " + tried
                + " (pass -Dnibble.shared=<folder holding golden/>)");
    }

    static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            fail("golden file missing: " + p);
        }
        return p;
    }

    static SafetensorsStore open(String caseName, String file) {
        return SafetensorsStore.open(path("cases/" + caseName + "/" + file + ".safetensors"));
    }

    /** Max |a − ref| and ‖a − ref‖ / ‖ref‖ in double. */
    record Error(double maxAbs, double relL2, double refMaxAbs) {
        @Override
        public String toString() {
            return String.format("max|d|=%.3e relL2=%.3e (max|ref|=%.3f)", maxAbs, relL2, refMaxAbs);
        }
    }

    static Error error(Tensor actual, Tensor ref) {
        assertEquals(ref.shape(), actual.shape(), "shape");
        double max = 0, num = 0, den = 0, refMax = 0;
        long n = ref.numel();
        for (long i = 0; i < n; i++) {
            double r = refValue(ref, i);
            double d = actual.getFloat(i) - r;
            max = Math.max(max, Math.abs(d));
            refMax = Math.max(refMax, Math.abs(r));
            num += d * d;
            den += r * r;
        }
        return new Error(max, den == 0 ? Math.sqrt(num) : Math.sqrt(num / den), refMax);
    }

    private static double refValue(Tensor t, long i) {
        return t.dtype() == dev.nibble.engine.tensor.DType.F64 ? t.data().getAtIndex(Tensor.F64, i) : t.getFloat(i);
    }

    /** Model-case acceptance: max abs ≤ 1e-4·max(1, max|ref|) and relative L2 ≤ 1e-5. */
    static Error assertModelClose(String what, Tensor actual, Tensor ref) {
        Error e = error(actual, ref);
        System.out.println("[golden] " + what + ": " + e);
        assertTrue(e.maxAbs() <= 1e-4 * Math.max(1, e.refMaxAbs()), what + ": " + e);
        assertTrue(e.relL2() <= 1e-5, what + ": " + e);
        return e;
    }

    /** Pipeline-intermediate acceptance: max abs ≤ 1e-4·max(1, max|ref|). */
    static Error assertPipelineClose(String what, Tensor actual, Tensor ref) {
        Error e = error(actual, ref);
        System.out.println("[golden] " + what + ": " + e);
        assertTrue(e.maxAbs() <= 1e-4 * Math.max(1, e.refMaxAbs()), what + ": " + e);
        return e;
    }
}
