package dev.nibble.models.common.nn;

import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.SortedSet;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One pipeline component as it lies on disk: {@code config.json} plus its safetensors weights
 * (single file or sharded index). Closing it unmaps the weights.
 */
public final class ComponentFolder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ComponentFolder.class);
    public static final String CONFIG_FILE = "config.json";

    private final Path dir;
    private final DiffusersConfig config;
    private final SafetensorsWeights weights;

    private ComponentFolder(Path dir, DiffusersConfig config, SafetensorsWeights weights) {
        this.dir = dir;
        this.config = config;
        this.weights = weights;
    }

    /** Reads {@code dir/config.json} and opens the weights in {@code dir}. */
    public static ComponentFolder open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(dir + ": not a model component folder (no such directory)");
        }
        Path cfg = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(cfg)) {
            throw new ConfigException(dir + ": no " + CONFIG_FILE + " in this component folder");
        }
        DiffusersConfig config = DiffusersConfig.read(cfg);
        return new ComponentFolder(dir, config, SafetensorsWeights.open(dir));
    }

    /**
     * Opens {@code dir}, builds a model over it with {@code build} (the model then owns the folder and closes
     * it), and logs the tensors the model never read ({@link #warnUnused}). Closes the folder if either fails.
     */
    public static <M> M load(Path dir, String model, Predicate<String> ignoreUnused,
                             Function<ComponentFolder, M> build) {
        ComponentFolder folder = open(dir);
        try {
            M m = build.apply(folder);
            folder.warnUnused(model, ignoreUnused);
            return m;
        } catch (RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    public DiffusersConfig config() {
        return config;
    }

    public SafetensorsWeights weights() {
        return weights;
    }

    /**
     * Logs stored tensors the model never read, as transformers does for "unused weights": usually a
     * config that describes fewer layers or blocks than the checkpoint holds. {@code ignore} filters
     * known buffers (e.g. CLIP's position_ids).
     */
    public void warnUnused(String model, Predicate<String> ignore) {
        SortedSet<String> unused = weights.unused();
        unused.removeIf(ignore);
        if (!unused.isEmpty()) {
            LOG.warn("{}: {} tensors in {} are not used by the config in {}: {}", model, unused.size(),
                    weights.source(), config.path(), abbreviate(unused));
        }
    }

    private static String abbreviate(Collection<String> names) {
        return names.size() <= 8 ? names.toString()
                : names.stream().limit(8).toList() + " ... (" + (names.size() - 8) + " more)";
    }

    @Override
    public void close() {
        weights.close();
    }

    @Override
    public String toString() {
        return "ComponentFolder[" + dir + "]";
    }
}
