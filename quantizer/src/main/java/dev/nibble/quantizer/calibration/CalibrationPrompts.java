package dev.nibble.quantizer.calibration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Calibration prompt sets: a text file with one prompt per line (blank lines and lines starting with '#'
 * are skipped; a line holding only {@code ""} is the empty prompt), a model's own set, or Nibble's small
 * built-in list of varied general prompts.
 */
public final class CalibrationPrompts {
    /** The file name a model may ship its domain calibration prompts under. */
    public static final String FILE_NAME = "calibration-prompts.txt";
    static final String DEFAULTS = "default-prompts.txt";

    private CalibrationPrompts() {
    }

    /** The prompts of a file. */
    public static List<String> read(Path file) {
        try {
            List<String> p = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
            if (p.isEmpty()) {
                throw new IllegalArgumentException(file + " holds no prompts (one per line)");
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read calibration prompts " + file + ": " + e.getMessage(), e);
        }
    }

    static List<String> parse(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            out.add(t.equals("\"\"") ? "" : t);
        }
        return List.copyOf(out);
    }

    /** Nibble's generic list (varied subjects and styles), a resource of this package. */
    public static List<String> defaults() {
        try (InputStream in = CalibrationPrompts.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULTS + " is missing from the quantizer jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A model's own calibration prompts: {@value #FILE_NAME} in the pipeline folder, or in the sibling
     * {@code <folder>-info/} that carries its model card (the built-in nibble-shapes keeps them in
     * models/nibble-shapes-info/).
     */
    public static Optional<Path> modelPrompts(Path pipelineFolder) {
        Path dir = pipelineFolder.toAbsolutePath().normalize();
        Path inside = dir.resolve(FILE_NAME);
        if (Files.isRegularFile(inside)) {
            return Optional.of(inside);
        }
        if (dir.getFileName() != null && dir.getParent() != null) {
            Path info = dir.getParent().resolve(dir.getFileName() + "-info").resolve(FILE_NAME);
            if (Files.isRegularFile(info)) {
                return Optional.of(info);
            }
        }
        return Optional.empty();
    }
}
