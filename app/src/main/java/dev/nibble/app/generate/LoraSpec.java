package dev.nibble.app.generate;

import dev.nibble.app.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One {@code --lora FILE[:SCALE]}: a LoRA safetensors file and the strength it is applied with (default 1).
 * The scale is the user's; a file's own alpha multiplies in as alpha / rank ({@code LoraLoader}).
 */
public record LoraSpec(Path file, float scale) {
    public LoraSpec {
        if (!Float.isFinite(scale)) {
            throw new BadInputException("--lora " + file + ": scale must be a finite number, got " + scale);
        }
    }

    /** "FILE", "FILE:0.8" (a trailing ":number" is the scale; any other colon belongs to the path). */
    public static LoraSpec parse(String s) {
        if (s == null || s.isBlank()) {
            throw new BadInputException("--lora needs a file, FILE[:SCALE]");
        }
        int colon = s.lastIndexOf(':');
        if (colon > 0 && colon < s.length() - 1) {
            String tail = s.substring(colon + 1).trim();
            try {
                float scale = Float.parseFloat(tail);
                return new LoraSpec(Path.of(s.substring(0, colon)), scale);
            } catch (NumberFormatException e) {
                // not a scale: the colon is part of the file name
            }
        }
        return new LoraSpec(Path.of(s), 1f);
    }

    public static List<LoraSpec> parseAll(List<String> args) {
        List<LoraSpec> out = new ArrayList<>();
        if (args != null) {
            for (String a : args) {
                out.add(parse(a));
            }
        }
        return List.copyOf(out);
    }

    /** Fails with a bad-input error when the file is not there. */
    void check() {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("--lora " + file + ": no such file (expected a LoRA .safetensors file)");
        }
    }

    /** Identifies the file's current contents for caching: path, size, modification time, and the scale. */
    String cacheKey() {
        try {
            Path abs = file.toAbsolutePath().normalize();
            return abs + "|" + Files.size(abs) + "|" + Files.getLastModifiedTime(abs).toMillis() + "|" + scale;
        } catch (IOException e) {
            throw new BadInputException("--lora " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return file + ":" + String.format(Locale.ROOT, "%s", scale);
    }
}
