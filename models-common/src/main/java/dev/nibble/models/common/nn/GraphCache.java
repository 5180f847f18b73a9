package dev.nibble.models.common.nn;

import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.graph.Graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Compiled graphs of one model by shape key, per executor: building and compiling a graph is paid
 * once per (executor, shape); resident weights stay on the device between calls. Built graphs are
 * shared across executors. Callers serialise runs (a {@link CompiledGraph} runs one call at a time).
 */
public final class GraphCache<K> implements AutoCloseable {
    private final Function<K, Graph> builder;
    private final int maxCompiledPerExecutor;
    private final Map<K, Graph> graphs = new HashMap<>();
    private final Map<Executor, Map<K, CompiledGraph>> compiled = new IdentityHashMap<>();

    public GraphCache(Function<K, Graph> builder) {
        this(builder, Integer.MAX_VALUE);
    }

    /**
     * A cache that keeps at most {@code maxCompiledPerExecutor} compiled graphs per executor, closing
     * the least recently used: each compiled graph holds its own activation arena and device copy of
     * the weights, which for a large denoiser must not pile up across shapes.
     */
    public GraphCache(Function<K, Graph> builder, int maxCompiledPerExecutor) {
        if (maxCompiledPerExecutor < 1) {
            throw new IllegalArgumentException("maxCompiledPerExecutor must be >= 1, got " + maxCompiledPerExecutor);
        }
        this.builder = builder;
        this.maxCompiledPerExecutor = maxCompiledPerExecutor;
    }

    /** The graph for {@code key}, built on first use. */
    public synchronized Graph graph(K key) {
        return graphs.computeIfAbsent(key, builder);
    }

    /** The graph for {@code key} compiled for {@code executor}, compiled on first use. */
    public synchronized CompiledGraph compiled(Executor executor, K key) {
        Map<K, CompiledGraph> m = compiled.computeIfAbsent(executor, e -> new java.util.LinkedHashMap<>(8, 0.75f, true));
        CompiledGraph c = m.get(key);
        if (c == null) {
            c = executor.compile(graph(key));
            m.put(key, c);
            while (m.size() > maxCompiledPerExecutor) {
                var eldest = m.entrySet().iterator().next();
                eldest.getValue().close();
                m.remove(eldest.getKey());
            }
        }
        return c;
    }

    /**
     * Frees what {@code executor}'s compiled graphs hold on their devices (activation arenas and resident
     * weights); the next call compiles again. For stages that run once per request (text encoders, VAE) when
     * device memory is budgeted.
     */
    public synchronized void release(Executor executor) {
        Map<K, CompiledGraph> m = compiled.remove(executor);
        if (m != null) {
            m.values().forEach(CompiledGraph::close);
        }
    }

    /** Releases every compiled graph's device memory; graphs are rebuilt on demand afterwards. */
    @Override
    public synchronized void close() {
        List<CompiledGraph> all = new ArrayList<>();
        compiled.values().forEach(m -> all.addAll(m.values()));
        compiled.clear();
        graphs.clear();
        all.forEach(CompiledGraph::close);
    }
}
