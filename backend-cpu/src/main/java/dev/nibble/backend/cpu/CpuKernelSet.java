package dev.nibble.backend.cpu;

import dev.nibble.engine.ops.Op;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A named table op type → kernel factory: "reference" (the oracle) or "fast". */
public final class CpuKernelSet {
    private final String name;
    private final Map<Class<? extends Op>, CpuKernelFactory> factories;

    public CpuKernelSet(String name, Map<Class<? extends Op>, CpuKernelFactory> factories) {
        this.name = name;
        this.factories = Collections.unmodifiableMap(new LinkedHashMap<>(factories));
    }

    public String name() {
        return name;
    }

    public CpuKernelFactory factory(Class<? extends Op> op) {
        return factories.get(op);
    }

    public Map<Class<? extends Op>, CpuKernelFactory> factories() {
        return factories;
    }

    /** This set with {@code overrides} replacing or adding entries. */
    public CpuKernelSet with(String newName, Map<Class<? extends Op>, CpuKernelFactory> overrides) {
        Map<Class<? extends Op>, CpuKernelFactory> m = new LinkedHashMap<>(factories);
        m.putAll(overrides);
        return new CpuKernelSet(newName, m);
    }
}
