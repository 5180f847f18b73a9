package dev.nibble.bench.compare;

import java.util.Locale;

/** Weight precisions a workload runs at; activations are F32 throughout. */
public enum Precision {
    /** 32-bit float weights. */
    FP32("fp32"),
    /** bfloat16 weights, F32 activations and accumulation. */
    BF16("bf16"),
    /** float16 weights (only model folders stored in F16 report it; op workloads use bf16). */
    FP16("fp16"),
    /** SVDQuant W4A4: 4-bit weights and activations with a 16-bit low-rank branch (DESIGN.md §3). */
    SVDQ_INT4("svdq-int4");

    private final String label;

    Precision(String label) {
        this.label = label;
    }

    /** The command-line spelling: fp32, bf16, svdq-int4. */
    public String label() {
        return label;
    }

    /** Parses fp32, bf16 or svdq-int4 (case-insensitive; "int4" and "svdq" also name SVDQ_INT4). */
    public static Precision parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        for (Precision p : values()) {
            if (p.label.equals(v)) {
                return p;
            }
        }
        if (v.equals("int4") || v.equals("svdq") || v.equals("w4a4")) {
            return SVDQ_INT4;
        }
        throw new IllegalArgumentException("unknown precision '" + s + "'; expected fp32, bf16, fp16 or svdq-int4");
    }

    @Override
    public String toString() {
        return label;
    }
}
