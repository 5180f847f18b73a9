package dev.nibble.quantizer.calibration;

import dev.nibble.quantizer.CalibrationSource;
import dev.nibble.quantizer.LayerCalibration;

import java.util.Map;
import java.util.Optional;

/**
 * Calibration statistics recorded from real pipeline runs ({@link PipelineCalibrator}), by component and
 * module path. A layer that was never observed has none: the quantiser then falls back to weight-only
 * statistics for it and says so in its report.
 */
public final class RecordedCalibration implements CalibrationSource {
    private final Map<String, Map<String, LayerCalibration>> layers;
    private final String description;

    public RecordedCalibration(Map<String, Map<String, LayerCalibration>> layers, String description) {
        this.layers = Map.copyOf(layers);
        this.description = description;
    }

    @Override
    public Optional<LayerCalibration> forLayer(String component, String modulePath, int k) {
        LayerCalibration c = layers.getOrDefault(component, Map.of()).get(modulePath);
        if (c == null) {
            return Optional.empty();
        }
        if (c.k() != k) {
            throw new IllegalStateException(component + "/" + modulePath + ": recorded inputs have K=" + c.k()
                    + " but the weight has K=" + k);
        }
        return Optional.of(c);
    }

    /** The recorded layers of a component, by module path. */
    public Map<String, LayerCalibration> layers(String component) {
        return layers.getOrDefault(component, Map.of());
    }

    @Override
    public String describe() {
        return description;
    }
}
