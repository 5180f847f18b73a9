package dev.nibble.quantizer.calibration;

import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.spi.Backends;
import dev.nibble.quantizer.LayerCalibration;
import dev.nibble.quantizer.rules.FluxQuantizeRule;
import dev.nibble.quantizer.rules.SdxlQuantizeRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Reservoir statistics, prompt files, and pipeline-driven calibration on the golden FLUX-dev and SDXL folders. */
class CalibrationTest {
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path tmp;

    static Path golden(String model) {
        for (String base : new String[] {System.getProperty("nibble.shared"), "../../shared", "../shared"}) {
            if (base != null && Files.isDirectory(Path.of(base, "golden/models", model))) {
                return Path.of(base, "golden/models", model);
            }
        }
        fail("golden model " + model + " not found (system property nibble.shared, ../shared); it is required");
        return null;
    }

    @Test
    void reservoirKeepsAUniformSampleAndTheMaxOfEverything() {
        LayerStatistics s = new LayerStatistics(2, 1000, 42);
        int total = 20_000;
        for (int from = 0; from < total; from += 500) {
            float[] rows = new float[500 * 2];
            for (int i = 0; i < 500; i++) {
                rows[2 * i] = from + i;
                rows[2 * i + 1] = -(from + i) / 1000f;
            }
            s.add(rows);
        }
        assertEquals(total, s.rowsSeen());
        assertEquals(1000, s.rowsKept());
        assertEquals(total / 500, s.calls());
        LayerCalibration c = s.toCalibration("test", 7);
        assertEquals(1000, c.count());
        assertEquals(total - 1, c.channelAbsMax()[0], 0);
        assertEquals((total - 1) / 1000f, c.channelAbsMax()[1], 1e-6);
        double mean = 0;
        double heldMean = 0;
        for (int i = 0; i < 1000; i++) {
            float v = c.rows()[2 * i];
            assertEquals(-v / 1000f, c.rows()[2 * i + 1], 1e-6, "rows stay whole");
            mean += v / 1000;
            if (i >= 750) {
                heldMean += v / 250;
            }
        }
        // a uniform sample of 0..19999 has mean 9999.5 with standard error ~183 (1000 rows), ~365 (250 rows)
        assertEquals(9999.5, mean, 800);
        assertEquals(9999.5, heldMean, 1500, "the held-out quarter is a random subset, not the last rows");
        assertFalse(Arrays.equals(Arrays.copyOf(c.rows(), 2000), sorted(c.rows())), "shuffled");
    }

    private static float[] sorted(float[] rows) {
        float[] s = rows.clone();
        Arrays.sort(s);
        return s;
    }

    private static void assertFalse(boolean b, String m) {
        assertTrue(!b, m);
    }

    @Test
    void fewerRowsThanCapacityAreAllKept() {
        LayerStatistics s = new LayerStatistics(3, 100, 1);
        s.add(new float[] {1, -2, 3, 4, 5, -6});
        assertEquals(2, s.rowsKept());
        LayerCalibration c = s.toCalibration("x", 1);
        assertEquals(2, c.count());
        assertTrue(Arrays.equals(new float[] {4, 5, 6}, c.channelAbsMax()));
    }

    @Test
    void promptFiles() throws Exception {
        Path f = Files.writeString(tmp.resolve("p.txt"), "# comment\n  a red circle  \n\n\"\"\nthe moon\n");
        assertEquals(List.of("a red circle", "", "the moon"), CalibrationPrompts.read(f));
        assertTrue(CalibrationPrompts.defaults().size() >= 16);
        Path model = Files.createDirectories(tmp.resolve("shapes"));
        assertTrue(CalibrationPrompts.modelPrompts(model).isEmpty());
        Path info = Files.createDirectories(tmp.resolve("shapes-info"));
        Files.writeString(info.resolve(CalibrationPrompts.FILE_NAME), "a\n");
        assertEquals(info.resolve(CalibrationPrompts.FILE_NAME), CalibrationPrompts.modelPrompts(model).orElseThrow());
        Files.writeString(model.resolve(CalibrationPrompts.FILE_NAME), "b\n");
        assertEquals(model.resolve(CalibrationPrompts.FILE_NAME), CalibrationPrompts.modelPrompts(model).orElseThrow());
    }

    static Executor cpu() {
        return new Executor(Backends.discover().cpu(), null, ExecutionOptions.DEFAULT);
    }

    /**
     * Every selected FLUX layer is observed on every step, with exactly the rows its stream has: image tokens
     * for the double blocks' image-side linears, text tokens for the text side, both for the single blocks.
     */
    @Test
    void fluxCalibrationObservesEveryQuantisedLinearOnEveryStep() {
        int steps = 3;
        CalibrationSettings s = new CalibrationSettings(List.of("a cat", "a dog on a sofa"), "test", steps, 32, 48, 16,
                3.5f, 2, 4096, 0);
        PipelineCalibrator.Result r = PipelineCalibrator.run(golden("flux_dev"), FluxQuantizeRule.INSTANCE, cpu(), s,
                QUIET);
        assertTrue(r.unobserved().isEmpty(), r.unobserved().toString());
        List<String> selected = PipelineCalibrator.selectedLayers(golden("flux_dev").resolve("transformer"),
                FluxQuantizeRule.INSTANCE, "transformer");
        assertEquals(34, selected.size());
        assertEquals(selected.size(), r.recorder().layers().size());
        int image = (32 / 8) * (48 / 8); // the VAE downsamples 4x, then 2x2 packing
        int text = 16;
        int b = 2;
        var layers = r.recorder().layers();
        assertEquals((long) steps * b * image, layers.get("transformer_blocks.0.attn.to_q").rowsSeen());
        assertEquals((long) steps * b * text, layers.get("transformer_blocks.1.attn.add_k_proj").rowsSeen());
        assertEquals((long) steps * b * text, layers.get("transformer_blocks.1.ff_context.net.2").rowsSeen());
        assertEquals((long) steps * b * (image + text), layers.get("single_transformer_blocks.1.proj_out").rowsSeen());
        assertEquals(steps, layers.get("single_transformer_blocks.0.attn.to_v").calls());
        LayerCalibration c = r.calibration().forLayer("transformer", "single_transformer_blocks.1.proj_out", 160)
                .orElseThrow();
        assertEquals(steps * b * (image + text), c.count());
        assertTrue(!c.weightOnly() && c.description().contains("2 prompt(s) from test, 3 steps each, 32x48"),
                c.description());
        for (float m : c.channelAbsMax()) {
            assertTrue(m > 0 && Float.isFinite(m));
        }
    }

    @Test
    void sdxlCalibrationRecordsTheCfgBatch() {
        CalibrationSettings s = new CalibrationSettings(List.of("a cat"), "test", 1, 32, 32, 0, 5f, 1, 4096, 0);
        PipelineCalibrator.Result r = PipelineCalibrator.run(golden("sdxl"), SdxlQuantizeRule.INSTANCE, cpu(), s, QUIET);
        assertTrue(r.unobserved().isEmpty(), r.unobserved().toString());
        assertEquals(170, r.recorder().layers().size());
        // down_blocks.1 works at latent/2: 32x32 image -> 8x8 latent (vae scale 4) -> 4x4 = 16 tokens, x2 for CFG
        assertEquals(2 * 16, r.recorder().layers().get("down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q")
                .rowsSeen());
        // cross-attention keys see the text: 77 tokens, x2 for CFG
        assertEquals(2 * 77, r.recorder().layers().get("down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k")
                .rowsSeen());
    }
}
