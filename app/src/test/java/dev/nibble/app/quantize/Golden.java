package dev.nibble.app.quantize;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** The shared golden set (system property nibble.shared, else ../shared or ../../shared). */
final class Golden {
    private Golden() {
    }

    static Path root() {
        String prop = System.getProperty("nibble.shared");
        for (Path p : new Path[] {prop == null ? null : Path.of(prop), Path.of("../../shared"), Path.of("../shared")}) {
            if (p != null && Files.isDirectory(p.resolve("golden/models"))) {
                return p.resolve("golden").toAbsolutePath().normalize();
            }
        }
        fail("golden reference set not found (system property nibble.shared, ../shared); it is required");
        return null;
    }

    static Path model(String name) {
        return root().resolve("models").resolve(name);
    }

    static Path testCase(String name) {
        return root().resolve("cases").resolve(name);
    }
}
