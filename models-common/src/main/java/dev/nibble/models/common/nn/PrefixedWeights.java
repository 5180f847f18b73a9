package dev.nibble.models.common.nn;

import dev.nibble.engine.tensor.Tensor;

import java.util.Set;
import java.util.stream.Collectors;

/** The sub-tree of a state dict below one module path. */
final class PrefixedWeights implements Weights {
    private final Weights parent;
    private final String prefix;

    PrefixedWeights(Weights parent, String prefix) {
        this.parent = parent;
        this.prefix = prefix.isEmpty() ? "" : prefix + ".";
    }

    @Override
    public boolean contains(String name) {
        return parent.contains(prefix + name);
    }

    @Override
    public Tensor get(String name) {
        return parent.get(prefix + name);
    }

    @Override
    public Set<String> names() {
        return parent.names().stream().filter(n -> n.startsWith(prefix)).map(n -> n.substring(prefix.length()))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    @Override
    public String source() {
        return parent.source();
    }

    @Override
    public java.util.Map<String, String> metadata() {
        return parent.metadata();
    }

    @Override
    public String fullName(String name) {
        return parent.fullName(prefix + name);
    }

    @Override
    public Weights under(String sub) {
        return parent.under(prefix + sub);
    }
}
