package dev.nibble.tck;

import dev.nibble.engine.tensor.DType;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The per-op, per-dtype tolerance table. Keys are "op:dtype" where op is an op name ("Unary.EXP")
 * or family ("Unary") and dtype a case dtype or "*". Lookup takes the first of opName:dtype,
 * opName:*, family:dtype, family:*, *:*. A case's own tolerance overrides the table.
 */
public final class Tolerances {
    private static final Tolerance MATMUL = new Tolerance(1e-4, 1e-5);
    private static final Tolerance MATMUL_F16 = new Tolerance(2e-3, 1e-3);
    private static final Tolerance MATMUL_BF16 = new Tolerance(1e-2, 8e-3);
    private static final Tolerance FEW_FLOPS = new Tolerance(1e-6, 1e-6);
    private static final Tolerance TRANSCENDENTAL = new Tolerance(1e-5, 1e-5);
    private static final Tolerance NORM = new Tolerance(1e-4, 1e-5);

    private final Map<String, Tolerance> table;

    private Tolerances(Map<String, Tolerance> table) {
        this.table = Map.copyOf(table);
    }

    /**
     * The defaults, and why. Weights in F16/BF16 are exact in F32, so a backend computing in F32
     * meets the F32 row; the wider F16/BF16 rows admit half-precision compute with F32 accumulation.
     * Data movement and conversions are exact; a few rounded flops (Binary, Affine, Rope, Modulate)
     * allow FMA contraction; transcendentals allow a few ulp of a device's exp/erf/tanh; norms and
     * dot products allow float accumulation in any order. TimestepEmbedding feeds arguments up to
     * ~1000 to sin/cos, so a 1-ulp difference in its exp is amplified.
     */
    public static Tolerances defaults() {
        Map<String, Tolerance> m = new LinkedHashMap<>();
        for (String op : new String[] {"Linear", "Conv2d"}) {
            m.put(op + ":*", MATMUL);
            m.put(op + ":F16", MATMUL_F16);
            m.put(op + ":BF16", MATMUL_BF16);
        }
        m.put("Attention:*", new Tolerance(1e-4, 1e-5));
        m.put("SvdqLinear:*", new Tolerance(1e-3, 1e-3));
        for (String op : new String[] {"GroupNorm", "LayerNorm", "RmsNorm"}) {
            m.put(op + ":*", NORM);
        }
        for (String op : new String[] {"Unary", "Geglu", "Softmax", "Reduce"}) {
            m.put(op + ":*", TRANSCENDENTAL);
        }
        for (String op : new String[] {"Binary", "Affine", "Rope", "Modulate"}) {
            m.put(op + ":*", FEW_FLOPS);
        }
        m.put("TimestepEmbedding:*", new Tolerance(5e-4, 1e-4));
        // A window mean is a short sum: few flops, any order. A max is exact.
        m.put("Pool2d:*", FEW_FLOPS);
        for (String op : new String[] {"Copy", "Reshape", "Permute", "Slice", "Concat", "Pad", "Upsample2x",
                "Embedding", "Cast", "Clamp", "Reduce.MAX", "Reduce.MIN", "Pool2d.MAX"}) {
            m.put(op + ":*", Tolerance.EXACT);
        }
        m.put("*:*", MATMUL);
        return new Tolerances(m);
    }

    /** A table holding {@code t} for every op and dtype (e.g. {@link Tolerance#EXACT} to demand identical bits). */
    public static Tolerances uniform(Tolerance t) {
        return new Tolerances(Map.of("*:*", t));
    }

    /** This table with one entry set; {@code dtype} null means every dtype of that op. */
    public Tolerances with(String op, DType dtype, Tolerance t) {
        Map<String, Tolerance> m = new LinkedHashMap<>(table);
        m.put(op + ":" + (dtype == null ? "*" : dtype.name()), t);
        return new Tolerances(m);
    }

    public Tolerance lookup(String opName, String family, DType dtype) {
        String d = dtype.name();
        for (String key : new String[] {opName + ":" + d, opName + ":*", family + ":" + d, family + ":*", "*:*"}) {
            Tolerance t = table.get(key);
            if (t != null) {
                return t;
            }
        }
        throw new IllegalStateException("no tolerance for " + opName);
    }

    public Tolerance forCase(TckCase c) {
        return c.tolerance() != null ? c.tolerance() : lookup(c.opName(), c.family(), c.dtype());
    }

    public Map<String, Tolerance> entries() {
        return table;
    }

    /** The table as text, sorted by key. */
    public String toTable() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-22s %10s %10s%n", "op:dtype", "max err", "rel L2"));
        table.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> sb.append(String.format(Locale.ROOT,
                "%-22s %10.0e %10.0e%n", e.getKey(), e.getValue().maxError(), e.getValue().relL2())));
        return sb.toString();
    }
}
