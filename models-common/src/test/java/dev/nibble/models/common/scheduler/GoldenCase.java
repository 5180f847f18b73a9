package dev.nibble.models.common.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.engine.io.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One case of the golden reference set: its case.json and tensors copied out of its safetensors files.
 * The set is found through the {@code nibble.shared} system property (surefire sets it), else /work/shared;
 * a missing set fails the test, it never skips it.
 */
final class GoldenCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final JsonNode json;
    private final Map<String, float[]> tensors = new HashMap<>();

    private GoldenCase(Path dir) {
        this.dir = dir;
        try {
            this.json = JSON.readTree(dir.resolve("case.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve("case.json"), e);
        }
    }

    static Path sharedRoot() {
        Path root = Path.of(System.getProperty("nibble.shared", "/work/shared"));
        if (!Files.isDirectory(root.resolve("golden"))) {
            fail("golden reference set not found under " + root.toAbsolutePath()
                    + " (set -Dnibble.shared=<dir holding golden/>)");
        }
        return root;
    }

    static Path golden() {
        return sharedRoot().resolve("golden");
    }

    static GoldenCase load(String name) {
        Path dir = golden().resolve("cases").resolve(name);
        if (!Files.isRegularFile(dir.resolve("case.json"))) {
            fail("golden case missing: " + dir);
        }
        return new GoldenCase(dir);
    }

    /** A float32 tensor from {@code outputs.safetensors} (or {@code inputs.safetensors} with "inputs:" prefix). */
    float[] tensor(String name) {
        return tensors.computeIfAbsent(name, this::read);
    }

    private float[] read(String name) {
        String file = "outputs.safetensors";
        String key = name;
        if (name.startsWith("inputs:")) {
            file = "inputs.safetensors";
            key = name.substring("inputs:".length());
        }
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(file))) {
            return f.tensor(key).toFloatArray();
        }
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    /** Bitwise equality (at most {@code maxUlps} apart) of float32 schedules, reporting the first difference. */
    static void assertUlps(float[] expected, float[] actual, int maxUlps, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            long ulps = Math.abs((long) ordered(expected[i]) - ordered(actual[i]));
            if (ulps > maxUlps) {
                fail(what + "[" + i + "]: expected " + expected[i] + " but was " + actual[i] + " (" + ulps + " ulps)");
            }
        }
    }

    /** max |a - e| / max(1e-30, max |e|) must not exceed {@code rel}; returns the observed ratio. */
    static double assertRelMax(float[] expected, float[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double maxAbs = 0;
        double maxRef = 1e-30;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs((double) actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        double r = maxAbs / maxRef;
        if (!(r <= rel)) {
            fail(what + ": max |diff| / max |ref| = " + r + " exceeds " + rel);
        }
        return r;
    }

    private static int ordered(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits < 0 ? Integer.MIN_VALUE - bits : bits;
    }
}
