package dev.nibble.app.parity;

import dev.nibble.app.NibbleCli;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** `nibble parity` on every golden case (tokenizers, schedulers, models, pipelines), CPU backend, fp32. */
class GoldenParityTest {
    static Path goldenCases() {
        String prop = System.getProperty("nibble.shared");
        for (Path p : new Path[]{prop == null ? null : Path.of(prop), Path.of("../../shared"), Path.of("../shared")}) {
            if (p != null && Files.isDirectory(p.resolve("golden/cases"))) {
                return p.resolve("golden/cases");
            }
        }
        fail("golden reference set not found (system property nibble.shared, ../shared); it is required");
        return null;
    }

    static Stream<String> cases() {
        try (Stream<Path> dirs = Files.list(goldenCases())) {
            return dirs.filter(p -> Files.exists(p.resolve("case.json"))).map(p -> p.getFileName().toString())
                    .sorted().toList().stream();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void caseMatchesPyTorch(String name, @TempDir Path out) {
        int code = NibbleCli.run("parity", "--case", goldenCases().resolve(name).toString(), "--out", out.toString(),
                "--backend", "cpu");
        assertEquals(0, code, name + " exceeded the golden tolerances (see the table above)");
        assertTrue(Files.exists(out.resolve("outputs.json")) || Files.exists(out.resolve("outputs.safetensors")));
    }
}
