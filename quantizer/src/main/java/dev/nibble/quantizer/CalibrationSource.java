package dev.nibble.quantizer;

import java.util.Optional;

/**
 * Where per-layer activation statistics come from. A real source runs the 16-bit pipeline on a prompt
 * set (every denoising step) and records, for each quantised linear layer, a sample of its input rows
 * and the per-channel max|x| over everything it saw. The quantiser asks by component and module path.
 */
public interface CalibrationSource {
    /**
     * Statistics for the linear layer at {@code modulePath} of {@code component}, whose input width is
     * {@code k}; empty when this source has none for it (the quantiser then falls back to
     * {@link LayerCalibration#weightOnly}, and says so).
     */
    Optional<LayerCalibration> forLayer(String component, String modulePath, int k);

    /** One line saying what this source is, for reports and file metadata. */
    String describe();

    /**
     * The fallback without calibration data: unit activation statistics (max|x_j| = 1) and synthetic
     * N(0, 1) rows. Layers quantised this way are labelled weight-only.
     */
    static CalibrationSource weightOnly(int rows, long seed) {
        return new CalibrationSource() {
            @Override
            public Optional<LayerCalibration> forLayer(String component, String modulePath, int k) {
                return Optional.of(LayerCalibration.weightOnly(k, rows,
                        seed ^ (component + "/" + modulePath).hashCode()));
            }

            @Override
            public String describe() {
                return LayerCalibration.WEIGHT_ONLY;
            }
        };
    }
}
