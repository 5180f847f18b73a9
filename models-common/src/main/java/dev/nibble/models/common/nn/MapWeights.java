package dev.nibble.models.common.nn;

import dev.nibble.engine.tensor.Tensor;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Weights held in a map (tests, tensors converted or concatenated in memory). */
public final class MapWeights implements Weights {
    private final Map<String, Tensor> tensors;
    private final String source;
    private final Map<String, String> metadata;

    public MapWeights(Map<String, Tensor> tensors, String source, Map<String, String> metadata) {
        this.tensors = Collections.unmodifiableMap(new TreeMap<>(tensors));
        this.source = source;
        this.metadata = Map.copyOf(metadata);
    }

    public MapWeights(Map<String, Tensor> tensors, String source) {
        this(tensors, source, Map.of());
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new MissingWeightException("tensor '" + name + "' is missing from " + source);
        }
        return t;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }
}
