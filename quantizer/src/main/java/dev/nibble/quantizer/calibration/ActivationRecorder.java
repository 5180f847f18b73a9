package dev.nibble.quantizer.calibration;

import dev.nibble.engine.exec.NodeObserver;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.quantizer.LayerCalibration;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A {@link NodeObserver} for one model component that records, for every linear node (Linear or SvdqLinear,
 * fused activations included) whose name — its module path, e.g. {@code transformer_blocks.0.attn.to_q} — the
 * predicate selects, its input rows into a {@link LayerStatistics}. Attach it to the component's compiled
 * graph ({@code CompiledGraph.observe}) for the calibration runs, then hand {@link #source} to the quantiser.
 */
public final class ActivationRecorder implements NodeObserver {
    private final String component;
    private final Predicate<String> selects;
    private final int rowsPerLayer;
    private final long seed;
    private final Map<String, LayerStatistics> layers = new TreeMap<>();

    /**
     * @param component    the component folder ("transformer", "unet") the module paths belong to
     * @param selects      which module paths to record (the quantisation rule)
     * @param rowsPerLayer reservoir capacity per layer
     */
    public ActivationRecorder(String component, Predicate<String> selects, int rowsPerLayer, long seed) {
        if (rowsPerLayer < 1) {
            throw new IllegalArgumentException("rows per layer must be >= 1, got " + rowsPerLayer);
        }
        this.component = component;
        this.selects = selects;
        this.rowsPerLayer = rowsPerLayer;
        this.seed = seed;
    }

    public String component() {
        return component;
    }

    @Override
    public boolean wants(Node node) {
        return (node.op() instanceof Linear || node.op() instanceof SvdqLinear) && !node.name().isEmpty()
                && selects.test(node.name());
    }

    @Override
    public synchronized void observe(Node node, java.util.List<Tensor> inputs, java.util.List<Tensor> outputs) {
        Tensor x = inputs.isEmpty() ? null : inputs.get(0);
        if (x == null) {
            return; // a constant input: nothing calibration could use
        }
        int k = x.shape().last();
        LayerStatistics s = layers.computeIfAbsent(node.name(),
                p -> new LayerStatistics(k, rowsPerLayer, seed ^ ((long) p.hashCode() << 17)));
        if (s.k() != k) {
            throw new IllegalStateException(node.name() + ": input width changed from " + s.k() + " to " + k);
        }
        s.add(x.toFloatArray());
    }

    /** The layers recorded so far, by module path. */
    public synchronized Map<String, LayerStatistics> layers() {
        return Collections.unmodifiableMap(new TreeMap<>(layers));
    }

    /** The recorded statistics as a calibration source for this recorder's component. */
    public synchronized RecordedCalibration source(String description) {
        Map<String, LayerCalibration> out = new TreeMap<>();
        for (var e : layers.entrySet()) {
            out.put(e.getKey(), e.getValue().toCalibration(description, seed ^ e.getKey().hashCode()));
        }
        return new RecordedCalibration(Map.of(component, out), description);
    }

    /** The statistics of one layer, if it was seen. */
    public synchronized Optional<LayerStatistics> layer(String modulePath) {
        return Optional.ofNullable(layers.get(modulePath));
    }
}
