package dev.nibble.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A diffusers pipeline's {@code model_index.json}: which component lives in which sub-folder and which
 * library class it is. Keys starting with "_" are bookkeeping; other non-list keys are pipeline options
 * (e.g. {@code force_zeros_for_empty_prompt}), readable through {@link #config()}. Components declared
 * as {@code [null, null]} (optional and absent, e.g. SDXL's image_encoder) are left out.
 */
public final class ModelIndex {
    public static final String FILE_NAME = "model_index.json";

    /** One pipeline component: its folder name, library ("diffusers", "transformers") and class name. */
    public record Component(String name, String library, String className) {}

    private final DiffusersConfig config;
    private final Path root;
    private final Map<String, Component> components;

    private ModelIndex(DiffusersConfig config, Path root, Map<String, Component> components) {
        this.config = config;
        this.root = root;
        this.components = components;
    }

    /** Reads {@code model_index.json}, given either the file or the pipeline folder holding it. */
    public static ModelIndex read(Path fileOrPipelineDir) {
        Objects.requireNonNull(fileOrPipelineDir, "fileOrPipelineDir");
        Path file = Files.isDirectory(fileOrPipelineDir) ? fileOrPipelineDir.resolve(FILE_NAME) : fileOrPipelineDir;
        DiffusersConfig config = DiffusersConfig.read(file);
        TreeMap<String, Component> components = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : config.raw().properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.startsWith("_") || !v.isArray()) {
                continue;
            }
            Component c = component(file, name, v);
            if (c != null) {
                components.put(name, c);
            }
        }
        config.getString("_class_name"); // required: it says which pipeline this is
        Path root = file.toAbsolutePath().normalize().getParent();
        return new ModelIndex(config, root, Collections.unmodifiableMap(components));
    }

    private static Component component(Path file, String name, JsonNode v) {
        if (v.size() != 2) {
            throw new ConfigException(file + ": component '" + name + "' should be [library, class] but is " + v);
        }
        JsonNode lib = v.get(0);
        JsonNode cls = v.get(1);
        if (lib.isNull() && cls.isNull()) {
            return null;
        }
        if (!lib.isTextual() || !cls.isTextual()) {
            throw new ConfigException(file + ": component '" + name + "' should be [library, class] strings but is " + v);
        }
        return new Component(name, lib.textValue(), cls.textValue());
    }

    /** The pipeline class, e.g. "FluxPipeline". */
    public String className() {
        return config.getString("_class_name");
    }

    public Optional<String> diffusersVersion() {
        return Optional.ofNullable(config.getString("_diffusers_version", null));
    }

    /** Present components by name, sorted. */
    public Map<String, Component> components() {
        return components;
    }

    public boolean hasComponent(String name) {
        return components.containsKey(name);
    }

    public Component component(String name) {
        Component c = components.get(name);
        if (c == null) {
            throw new ConfigException(config.path() + ": no component '" + name + "' (have " + components.keySet() + ")");
        }
        return c;
    }

    /** The existing folder of a component; a missing component or folder is a {@link ConfigException}. */
    public Path componentDir(String name) {
        component(name);
        Path dir;
        try {
            dir = root.resolve(name).normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException(config.path() + ": component name '" + name + "' is not a valid folder name", e);
        }
        if (!dir.startsWith(root) || dir.equals(root)) {
            throw new ConfigException(config.path() + ": component name '" + name + "' is not a sub-folder name");
        }
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(config.path() + ": folder of component '" + name + "' is missing: " + dir);
        }
        return dir;
    }

    /** The pipeline folder. */
    public Path root() {
        return root;
    }

    public Path path() {
        return config.path();
    }

    /** The whole file, for pipeline options such as {@code force_zeros_for_empty_prompt}. */
    public DiffusersConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return "ModelIndex[" + config.path() + ", " + className() + ", " + components.keySet() + "]";
    }
}
