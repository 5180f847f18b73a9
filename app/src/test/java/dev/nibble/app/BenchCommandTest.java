package dev.nibble.app;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nibble bench} model rows for SDXL folders: the golden SDXL folder as is (fp32) and quantised by
 * {@code nibble quantize} (svdq-int4, calibrated on 2 prompts x 2 steps to stay fast), step and generation
 * rows on the CPU at a tiny size. Times are never asserted on, only that every row was measured and carries
 * sane numbers.
 */
class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void sdxlFoldersGiveStepAndGenerationRowsAtBothPrecisions() throws Exception {
        Path sdxl = GenerateCommandTest.golden("sdxl");
        Path quantised = tmp.resolve("sdxl_svdq");
        assertEquals(0, NibbleCli.run("quantize", "--model", sdxl.toString(), "--out", quantised.toString(),
                "--calib-limit", "2", "--calib-steps", "2", "--calib-size", "32x48", "--calib-rows", "256",
                "--backend", "cpu"));

        Path out = tmp.resolve("bench");
        GenerateCommandTest.Run r = GenerateCommandTest.run("bench", "--model", sdxl.toString(), quantised.toString(),
                "--no-builtin-model", "--kinds", "step,generation", "--backends", "cpu", "--size", "32", "--steps", "2",
                "--warmup", "0", "--reps", "2", "--no-progress", "--out", out.toString());
        System.out.print(r.out());
        assertEquals(0, r.code(), r.err());
        for (String row : List.of("| sdxl step 32x32 | step | fp32 | cpu |",
                "| sdxl generation 32x32 2 steps | generation | fp32 | cpu |",
                "| sdxl_svdq step 32x32 | step | svdq-int4 | cpu |",
                "| sdxl_svdq generation 32x32 2 steps | generation | svdq-int4 | cpu |")) {
            assertTrue(r.out().contains(row), "missing " + row + " in\n" + r.out());
        }

        assertTrue(Files.size(out.resolve("stages.png")) > 0, "the generation rows' stage chart");
        assertTrue(r.out().contains("Generation stages, median ms:"), r.out());
        JsonNode rows = JsonOutput.MAPPER.readTree(Files.readString(out.resolve("bench.json"))).path("rows");
        assertEquals(4, rows.size(), rows.toString());
        Set<String> seen = new HashSet<>();
        for (JsonNode row : rows) {
            String what = row.path("workload").asText() + " " + row.path("precision").asText();
            seen.add(row.path("kind").asText() + " " + row.path("precision").asText());
            assertEquals("ok", row.path("status").asText(), what + ": " + row.path("reason").asText());
            assertEquals(2, row.path("reps").asInt(), what);
            assertTrue(row.path("min_ms").asDouble() >= 0 && row.path("wall_median_ms").asDouble() >= 0, what);
            assertTrue(row.path("weight_bytes").asLong() > 0, what);
            assertTrue(row.path("activation_bytes").asLong() > 0, what);
            assertTrue(row.path("device_high_water_bytes").asLong() >= 0, what);
            assertTrue(row.path("host_peak_rss_bytes").asLong() >= 0, what);
            assertEquals(0, row.path("fallback_nodes").asInt(), what);
            if (row.path("kind").asText().equals("generation")) {
                assertTrue(row.path("stages_median_ms").path("denoise").asDouble() > 0, what + ": " + row);
                assertTrue(row.path("stages_median_ms").has("vae_decode"), what);
            }
        }
        assertEquals(Set.of("step fp32", "generation fp32", "step svdq-int4", "generation svdq-int4"), seen);
    }
}
