package dev.nibble.engine.io;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Locates the shared golden set. Its absence is a broken checkout, so tests fail rather than skip:
 * a skipped test would let a reader that cannot open real files pass.
 */
final class Golden {
    private Golden() {}

    static Path root() {
        List<Path> tried = new ArrayList<>();
        String prop = System.getProperty("nibble.shared");
        if (prop != null && !prop.isBlank()) {
            tried.add(Path.of(prop).resolve("golden"));
        }
        // Fallback: ../shared next to the repository root (the folder holding mvnw).
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        if (dir != null && dir.getParent() != null) {
            tried.add(dir.getParent().resolve("shared").resolve("golden"));
        }
        for (Path p : tried) {
            if (Files.isDirectory(p.resolve("models")) && Files.isDirectory(p.resolve("cases"))) {
                return p.toAbsolutePath().normalize();
            }
        }
        return fail("golden reference set not found; tried " + tried
                + " (pass -Dnibble.shared=<folder holding golden/> or place it at <repo>/../shared)");
    }

    static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            fail("golden file missing: " + p);
        }
        return p;
    }
}
