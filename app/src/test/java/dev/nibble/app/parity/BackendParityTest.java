package dev.nibble.app.parity;

import dev.nibble.app.NibbleCli;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every golden model and pipeline case on the OpenCL (PoCL) and Vulkan (lavapipe) backends with
 * --strict (no node may fall back to the CPU), within the golden README's fp32 tolerances.
 */
class BackendParityTest {
    static Stream<Arguments> cases() {
        List<String> names;
        try (Stream<Path> dirs = Files.list(GoldenParityTest.goldenCases())) {
            names = dirs.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("tokenizer_") && !n.startsWith("scheduler_")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Stream.of("opencl", "vulkan").flatMap(b -> names.stream().map(n -> Arguments.of(b, n)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void caseMatchesPyTorchOnBackend(String backend, String name, @TempDir Path out) {
        int code = NibbleCli.run("parity", "--case", GoldenParityTest.goldenCases().resolve(name).toString(),
                "--out", out.toString(), "--backend", backend, "--strict");
        assertEquals(0, code, name + " on " + backend + " failed or exceeded the golden tolerances (table above)");
    }
}
