package dev.nibble.models.common.nn;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.graph.Graph;

/**
 * A model that builds one graph per shape key ({@link #build}), compiles it per executor ({@link #graphs})
 * and owns the resources behind its weights (the mapped safetensors of its component folder).
 *
 * @param <K> what a graph is specialised on
 */
public abstract class GraphModel<K> implements AutoCloseable {
    /** The built and compiled graphs of this model. */
    protected final GraphCache<K> graphs = new GraphCache<>(this::build);
    private final AutoCloseable resources;

    /** @param resources closed with the model (a component folder), or a no-op for weights held elsewhere */
    protected GraphModel(AutoCloseable resources) {
        this.resources = resources;
    }

    /** The graph for {@code key}; called once per key, on first use. */
    protected abstract Graph build(K key);

    /** Frees this model's device memory for {@code executor} (see {@link GraphCache#release}). */
    public void release(Executor executor) {
        graphs.release(executor);
    }

    /** Releases every compiled graph, then the weights' resources. */
    @Override
    public void close() {
        graphs.close();
        try {
            resources.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + this + " failed", e);
        }
    }
}
