package dev.nibble.quantizer.lora;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.quantizer.SvdqFormat;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds LoRAs to SVDQ layers by concatenation (DESIGN.md §3): {@code proj_down ← [proj_down | Aᵀ]},
 * {@code proj_up ← [proj_up | s·B]}. proj_down applies to the raw input, exactly where a LoRA's A does,
 * so Aᵀ goes in unchanged. The 4-bit tensors, wscales and smooth_factor are the very same tensors
 * afterwards (bit-identical), the added columns keep proj_down/proj_up's dtype, and the existing columns
 * are copied bit for bit, so {@link #remove} restores the earlier tensors exactly. Several LoRAs compose;
 * each occupies its own block of rank columns.
 */
public final class LoraMerger {
    private LoraMerger() {
    }

    /** proj_down [K, r] and proj_up [N, r] of one SVDQ layer (the other tensors are never touched). */
    public record Branch(Tensor projDown, Tensor projUp) {
        public int rank() {
            return projDown.shape().dim(1);
        }
    }

    /** The branch with one LoRA appended as the last {@code lora.rank()} columns. */
    public static Branch append(Branch base, LoraLayer lora) {
        int k = base.projDown.shape().dim(0);
        int n = base.projUp.shape().dim(0);
        if (lora.k() != k || lora.n() != n) {
            throw new IllegalArgumentException(lora.modulePath() + ": LoRA is " + lora.n() + "x" + lora.k()
                    + " but the layer is " + n + "x" + k);
        }
        int r = base.rank();
        int rl = lora.rank();
        float[] at = new float[k * rl];
        for (int j = 0; j < rl; j++) {
            for (int c = 0; c < k; c++) {
                at[c * rl + j] = lora.a()[j * k + c];
            }
        }
        float[] sb = new float[n * rl];
        for (int i = 0; i < sb.length; i++) {
            sb[i] = lora.scale() * lora.b()[i];
        }
        return new Branch(concatColumns(base.projDown, at, rl), concatColumns(base.projUp, sb, rl));
    }

    /** The branch without columns [from, from + count): undoes the {@link #append} that added them. */
    public static Branch remove(Branch merged, int from, int count) {
        return new Branch(dropColumns(merged.projDown, from, count), dropColumns(merged.projUp, from, count));
    }

    /** [t | extra] along the last axis: t's rows copied byte for byte, extra rounded to t's dtype. */
    static Tensor concatColumns(Tensor t, float[] extra, int extraCols) {
        int rows = t.shape().dim(0);
        int cols = t.shape().dim(1);
        DType dt = t.dtype();
        long es = dt.byteSize(1);
        Tensor out = Tensor.zeros(dt, Shape.of(rows, cols + extraCols));
        for (int i = 0; i < rows; i++) {
            MemorySegment.copy(t.data(), i * cols * es, out.data(), (long) i * (cols + extraCols) * es, cols * es);
            for (int j = 0; j < extraCols; j++) {
                out.setFloat((long) i * (cols + extraCols) + cols + j, extra[i * extraCols + j]);
            }
        }
        return out;
    }

    static Tensor dropColumns(Tensor t, int from, int count) {
        int rows = t.shape().dim(0);
        int cols = t.shape().dim(1);
        if (from < 0 || count < 0 || from + count > cols) {
            throw new IllegalArgumentException("columns [" + from + ", " + (from + count) + ") out of " + cols);
        }
        long es = t.dtype().byteSize(1);
        int keep = cols - count;
        Tensor out = Tensor.zeros(t.dtype(), Shape.of(rows, keep));
        for (int i = 0; i < rows; i++) {
            long src = (long) i * cols * es;
            long dst = (long) i * keep * es;
            MemorySegment.copy(t.data(), src, out.data(), dst, from * es);
            MemorySegment.copy(t.data(), src + (from + count) * es, out.data(), dst + from * es,
                    (long) (cols - from - count) * es);
        }
        return out;
    }

    /**
     * A model component's tensors with LoRAs applied and removable by name. Holds the base tensors; each
     * applied LoRA records the rank columns it took in each layer.
     */
    public static final class Stack {
        private final Map<String, Tensor> base;
        private final Map<String, Tensor> current;
        private final List<Applied> applied = new ArrayList<>();

        private record Applied(String name, Map<String, Integer> ranks) {
        }

        public Stack(Map<String, Tensor> componentTensors) {
            this.base = Map.copyOf(componentTensors);
            this.current = new LinkedHashMap<>(componentTensors);
        }

        /** The tensors now (base plus the applied LoRAs). */
        public Map<String, Tensor> tensors() {
            return java.util.Collections.unmodifiableMap(current);
        }

        public List<String> applied() {
            return applied.stream().map(Applied::name).toList();
        }

        /**
         * Applies a LoRA (its scale already set) to every SVDQ layer it names.
         *
         * @throws IllegalArgumentException naming the layers that are not SVDQ layers of this component
         */
        public void apply(String name, Map<String, LoraLayer> lora) {
            if (applied().contains(name)) {
                throw new IllegalArgumentException("LoRA '" + name + "' is already applied");
            }
            List<String> missing = lora.keySet().stream()
                    .filter(p -> !current.containsKey(p + "." + SvdqFormat.PROJ_DOWN)).sorted().toList();
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("LoRA '" + name + "' targets " + missing.size()
                        + " layer(s) that are not SVDQ layers here, e.g. " + missing.stream().limit(5).toList());
            }
            Map<String, Integer> ranks = new LinkedHashMap<>();
            for (LoraLayer l : lora.values()) {
                String p = l.modulePath();
                Branch b = append(branch(p), l);
                put(p, b);
                ranks.put(p, l.rank());
            }
            applied.add(new Applied(name, ranks));
        }

        /** Removes a LoRA; the layers' tensors become bit for bit what they would be without it. */
        public void remove(String name) {
            int idx = applied().indexOf(name);
            if (idx < 0) {
                throw new IllegalArgumentException("LoRA '" + name + "' is not applied; applied: " + applied());
            }
            Applied a = applied.get(idx);
            for (Map.Entry<String, Integer> e : a.ranks.entrySet()) {
                String p = e.getKey();
                int from = base.get(p + "." + SvdqFormat.PROJ_DOWN).shape().dim(1);
                for (int i = 0; i < idx; i++) {
                    from += applied.get(i).ranks.getOrDefault(p, 0);
                }
                put(p, LoraMerger.remove(branch(p), from, e.getValue()));
                if (current.get(p + "." + SvdqFormat.PROJ_DOWN).shape().dim(1)
                        == base.get(p + "." + SvdqFormat.PROJ_DOWN).shape().dim(1)) {
                    // back to the base rank: hand out the base tensors themselves
                    current.put(p + "." + SvdqFormat.PROJ_DOWN, base.get(p + "." + SvdqFormat.PROJ_DOWN));
                    current.put(p + "." + SvdqFormat.PROJ_UP, base.get(p + "." + SvdqFormat.PROJ_UP));
                }
            }
            applied.remove(idx);
        }

        private Branch branch(String p) {
            return new Branch(current.get(p + "." + SvdqFormat.PROJ_DOWN), current.get(p + "." + SvdqFormat.PROJ_UP));
        }

        private void put(String p, Branch b) {
            current.put(p + "." + SvdqFormat.PROJ_DOWN, b.projDown());
            current.put(p + "." + SvdqFormat.PROJ_UP, b.projUp());
        }
    }
}
