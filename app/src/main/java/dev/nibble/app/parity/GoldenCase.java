package dev.nibble.app.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.app.BadInputException;
import dev.nibble.engine.io.SafetensorsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One golden reference case: its case.json, the set root its model paths are relative to, and its
 * inputs/outputs safetensors files (opened on demand).
 */
public record GoldenCase(Path dir, Path setRoot, JsonNode json, Path pipelineOverride) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code dir/case.json}; the set root is the folder holding the cases/ folder (or given). */
    public static GoldenCase open(Path dir, Path setRoot) {
        return open(dir, setRoot, null);
    }

    /**
     * As {@link #open(Path, Path)}, with the case's pipeline folder ("models/flux_dev" of
     * "models/flux_dev/transformer") replaced by {@code pipelineOverride} when given — e.g. a
     * folder written by `nibble quantize`.
     */
    public static GoldenCase open(Path dir, Path setRoot, Path pipelineOverride) {
        Path file = dir.resolve("case.json");
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("no case.json in " + dir);
        }
        JsonNode json;
        try {
            json = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!json.isObject() || !json.has("kind") || !json.has("class")) {
            throw new BadInputException(file + " has no 'kind' and 'class': not a golden case");
        }
        Path root = setRoot != null ? setRoot : dir.toAbsolutePath().normalize().getParent().getParent();
        return new GoldenCase(dir, root, json, pipelineOverride);
    }

    public String name() {
        return json.path("case").asText(dir.getFileName().toString());
    }

    public String kind() {
        return json.get("kind").asText();
    }

    /** The class name without its library prefix ("FluxTransformer2DModel"). */
    public String className() {
        String c = json.get("class").asText();
        return c.substring(c.lastIndexOf('.') + 1);
    }

    public Path modelDir() {
        if (!json.has("model_dir")) {
            throw new BadInputException(name() + ": case.json names no model_dir");
        }
        return resolveModel(json.get("model_dir").asText());
    }

    public List<Path> modelDirs() {
        List<Path> out = new ArrayList<>();
        json.path("model_dirs").forEach(n -> out.add(resolveModel(n.asText())));
        return out;
    }

    private Path resolveModel(String rel) {
        Path p = setRoot.resolve(rel).normalize();
        if (pipelineOverride != null) {
            Path relative = Path.of(rel);
            // models/<pipeline>[/<component>]: keep the component below the replacement folder
            p = relative.getNameCount() > 2 ? pipelineOverride.resolve(relative.subpath(2, relative.getNameCount()))
                    : pipelineOverride;
        }
        if (!Files.isDirectory(p)) {
            throw new BadInputException(name() + ": model folder " + p + " does not exist");
        }
        return p;
    }

    public SafetensorsFile inputs() {
        return file("inputs.safetensors");
    }

    public SafetensorsFile outputs() {
        return file("outputs.safetensors");
    }

    /** The float64 reference outputs, or null where the case has none. */
    public SafetensorsFile outputsF64() {
        return Files.exists(dir.resolve("outputs_f64.safetensors")) ? file("outputs_f64.safetensors") : null;
    }

    private SafetensorsFile file(String name) {
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            throw new BadInputException(name() + ": " + p + " is missing");
        }
        return SafetensorsFile.open(p);
    }
}
