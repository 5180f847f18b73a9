package dev.nibble.models.common.nn;

import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.engine.io.TensorSource;
import dev.nibble.engine.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Weights} over memory-mapped safetensors: one file, a sharded index, or a component folder
 * holding either. Tensors are zero-copy views, valid until {@link #close()}.
 *
 * <p>Each name yields the same {@link Tensor} object on every call, so a weight used twice (tied
 * embeddings) becomes one graph constant and is uploaded once. Names handed out are remembered, so
 * a loader can report tensors its config never asked for (a sign the config does not match).
 */
public final class SafetensorsWeights implements Weights, AutoCloseable {
    private final TensorSource source;
    private final String where;
    private final Map<String, Tensor> cache = new ConcurrentHashMap<>();

    public SafetensorsWeights(TensorSource source, String where) {
        this.source = source;
        this.where = where;
    }

    /** Opens a {@code .safetensors} file, a {@code .safetensors.index.json} or a component folder. */
    public static SafetensorsWeights open(Path fileOrFolder) {
        SafetensorsStore store = SafetensorsStore.open(fileOrFolder);
        return new SafetensorsWeights(store, store.path().toString());
    }

    @Override
    public boolean contains(String name) {
        return source.contains(name);
    }

    @Override
    public Tensor get(String name) {
        if (!source.contains(name)) {
            throw new MissingWeightException("tensor '" + name + "' is missing from " + where);
        }
        return cache.computeIfAbsent(name, source::tensor);
    }

    @Override
    public Set<String> names() {
        return source.names();
    }

    @Override
    public String source() {
        return where;
    }

    @Override
    public Map<String, String> metadata() {
        return source.metadata();
    }

    /** Stored tensors no {@link #get} has asked for yet, sorted. */
    public SortedSet<String> unused() {
        TreeSet<String> out = new TreeSet<>(source.names());
        out.removeAll(cache.keySet());
        return out;
    }

    /** Unmaps the files; tensors handed out are invalid afterwards. */
    @Override
    public void close() {
        cache.clear();
        source.close();
    }

    @Override
    public String toString() {
        return "SafetensorsWeights[" + where + "]";
    }
}
