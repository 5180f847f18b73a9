package dev.nibble.bench.compare;

import java.util.Locale;

/** What a workload measures. */
public enum WorkloadKind {
    /** One operator as a one-node graph; latency is the node's device time. */
    OP,
    /** One denoising step of a model (transformer forward and scheduler step); wall time. */
    STEP,
    /** A whole text-to-image generation (text encoders, every step, VAE decode); wall time. */
    GENERATION;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static WorkloadKind parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        for (WorkloadKind k : values()) {
            if (k.label().equals(v) || (k == OP && v.equals("ops")) || (k == GENERATION && v.equals("gen"))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown workload kind '" + s + "'; expected op, step or generation");
    }
}
