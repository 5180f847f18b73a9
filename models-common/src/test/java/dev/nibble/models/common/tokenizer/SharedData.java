package dev.nibble.models.common.tokenizer;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the read-only shared folder (golden reference set, shipped models). A missing folder is a
 * broken checkout, so tests fail instead of skipping.
 */
final class SharedData {
    private SharedData() {}

    static Path root() {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty("nibble.shared");
        if (prop != null && !prop.isBlank()) {
            candidates.add(Path.of(prop));
        }
        // <repository root>/../shared, the repository root being the folder that holds mvnw
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw"))) {
                if (d.getParent() != null) {
                    candidates.add(d.getParent().resolve("shared"));
                }
                break;
            }
        }
        for (Path c : candidates) {
            if (Files.isDirectory(c.resolve("golden").resolve("cases"))) {
                return c.toAbsolutePath().normalize();
            }
        }
        return fail("shared data folder not found; tried " + candidates
                + " (pass -Dnibble.shared=<folder holding golden/ and models/>)");
    }

    static Path golden(String relative) {
        return existing(root().resolve("golden").resolve(relative));
    }

    static Path models(String relative) {
        return existing(root().resolve("models").resolve(relative));
    }

    private static Path existing(Path p) {
        if (!Files.exists(p)) {
            fail("shared file missing: " + p);
        }
        return p;
    }
}
