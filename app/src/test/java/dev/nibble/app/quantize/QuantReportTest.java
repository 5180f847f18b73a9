package dev.nibble.app.quantize;

import dev.nibble.app.NibbleCli;
import dev.nibble.app.generate.BuiltInModel;
import dev.nibble.app.generate.ModelInfo;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.spi.Backends;
import dev.nibble.quantizer.calibration.CalibrationPrompts;
import dev.nibble.quantizer.calibration.CalibrationSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quant-report ordering: on held-out calibration rows, the stored SVDQuant layer is better than naive W4A4
 * round-to-nearest on every layer and no worse than smoothing alone on (nearly) every layer.
 *
 * <p>Measured when this was written (rows recorded with other seeds than the quantiser's): the built-in
 * nibble-shapes (trained weights, shipped int4 folder) svdq ≤ smoothing on 66/66 layers and &lt; naive on 66/66,
 * mean errors naive 0.112, smoothing 0.100, low-rank 0.070, SVDQuant 0.057; golden FLUX-dev at rank 4 34/34 and
 * 34/34 (0.154 / 0.140 / 0.126 / 0.112); golden SDXL at rank 32 170/170 and 170/170 (0.160 / 0.142 / 0.062 /
 * 0.053). The golden weights are random, without the outlier channels smoothing is for, so smoothing gains
 * little there (about 10%) and the low-rank branch does most of the work; on a few layers of such models
 * smoothing with an α fitted on other rows can even lose to naive on the held-out ones (seen on one built-in
 * layer: 0.106 vs 0.103). Since the held-out sample is small (a quarter of the rows), the smoothing comparison is
 * asserted on 90% of the layers, the naive one on all.
 */
class QuantReportTest {
    @TempDir
    Path tmp;

    static Executor cpu() {
        return new Executor(Backends.discover().cpu(), null, ExecutionOptions.DEFAULT);
    }

    static void assertOrdering(QuantReport.Report r) {
        int n = r.layers().size();
        System.out.printf(Locale.ROOT, "quant-report %s: %d layers, svdq <= smoothing on %d, < naive on %d; means naive "
                        + "%.4f, smoothing %.4f, low-rank %.4f, svdq %.4f; weights %d -> %d bytes%n", r.quantized(), n,
                r.svdqLeSmooth(), r.svdqLtNaive(), r.mean(QuantReport.LayerRow::naive),
                r.mean(QuantReport.LayerRow::smoothOnly), r.mean(QuantReport.LayerRow::lowRankOnly),
                r.mean(QuantReport.LayerRow::svdqStored), r.denoiserBytesBefore(), r.denoiserBytesAfter());
        assertTrue(n > 0);
        assertEquals(n, r.svdqLtNaive(), "SVDQuant beats naive W4A4 on every layer");
        assertTrue(r.svdqLeSmooth() >= 0.9 * n, "SVDQuant <= smoothing-only on " + r.svdqLeSmooth() + " of " + n);
        assertTrue(r.mean(QuantReport.LayerRow::svdqStored) < r.mean(QuantReport.LayerRow::lowRankOnly));
        assertTrue(r.mean(QuantReport.LayerRow::lowRankOnly) < r.mean(QuantReport.LayerRow::naive));
        assertTrue(r.mean(QuantReport.LayerRow::smoothOnly) < r.mean(QuantReport.LayerRow::naive));
        for (QuantReport.LayerRow l : r.layers()) {
            assertTrue(l.bytesAfter() > 0 && l.heldOutRows() > 0, l.toString());
        }
    }

    @Test
    void goldenFluxDevAtRank4() {
        Path q = tmp.resolve("flux_dev_r4");
        assertEquals(0, NibbleCli.run("quantize", "--model", Golden.model("flux_dev").toString(), "--out", q.toString(),
                "--rank", "4", "--calib-limit", "2", "--calib-steps", "2", "--calib-size", "32x48",
                "--calib-max-sequence-length", "32", "--calib-rows", "256", "--backend", "cpu"));
        ModelInfo original = ModelInfo.resolve(Golden.model("flux_dev").toString());
        CalibrationSettings s = new CalibrationSettings(CalibrationPrompts.defaults().subList(4, 8), "test", 2, 48,
                32, 32, 3.5f, 4, 256, 1000);
        QuantReport.Report r = QuantReport.run(original, ModelInfo.resolve(q.toString()), s,
                List.of("a photo of a cat"), 2000, cpu(), System.err);
        assertOrdering(r);
        assertTrue(r.denoiserBytesAfter() < r.denoiserBytesBefore());
        QuantReport.PromptRow p = r.prompts().get(0);
        assertEquals(2, p.stepDenoiserRelL2().length);
        assertTrue(p.firstStepDenoiserRelL2() > 0 && p.firstStepDenoiserRelL2() < 0.3, p.toString());
        assertTrue(p.imagePsnrDb() > 20, p.toString());
    }

    @Test
    void shippedBuiltInInt4() {
        ModelInfo original = ModelInfo.resolve(BuiltInModel.NAME);
        ModelInfo q = ModelInfo.resolve(BuiltInModel.NAME, "svdq-int4");
        assertEquals(BuiltInModel.quantizedFolder(), q.folder());
        List<String> prompts = CalibrationPrompts.read(CalibrationPrompts.modelPrompts(original.folder()).orElseThrow());
        CalibrationSettings s = new CalibrationSettings(prompts.subList(prompts.size() - 4, prompts.size()), "test", 8,
                64, 64, 32, null, 4, 128, 1000);
        assertOrdering(QuantReport.run(original, q, s, List.of(), 0, cpu(), System.err));
    }
}
