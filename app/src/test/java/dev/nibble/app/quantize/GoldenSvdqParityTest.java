package dev.nibble.app.quantize;

import dev.nibble.app.NibbleCli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The golden FLUX-dev and SDXL folders quantised with `nibble quantize` (calibrated on 2 prompts x 2 steps to
 * stay fast), then their model and pipeline cases run with `nibble parity --model Q --precision svdq-int4`, held
 * to ModelChecks' measured 4-bit bounds. Their K sizes (32, 80, 160, ...) are not multiples of 64, so the
 * Kp zero-padding path runs. FLUX-dev is quantised at rank 4: at the default rank 32 every one of its layers has
 * min(N, K) = 32, the low-rank branch is the whole weight and the 4-bit residual is zero, which would test nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoldenSvdqParityTest {
    Path tmp;

    Path fluxDev;
    Path sdxl;

    static List<String> calibration() {
        return List.of("--calib-limit", "2", "--calib-steps", "2", "--calib-size", "32x48", "--calib-rows", "256",
                "--backend", "cpu");
    }

    @BeforeAll
    void quantise(@TempDir Path dir) {
        tmp = dir;
        fluxDev = tmp.resolve("flux_dev_svdq");
        List<String> a = new java.util.ArrayList<>(List.of("quantize", "--model", Golden.model("flux_dev").toString(),
                "--out", fluxDev.toString(), "--rank", "4", "--calib-max-sequence-length", "32"));
        a.addAll(calibration());
        assertEquals(0, NibbleCli.run(a.toArray(String[]::new)));
        sdxl = tmp.resolve("sdxl_svdq");
        a = new java.util.ArrayList<>(List.of("quantize", "--model", Golden.model("sdxl").toString(), "--out",
                sdxl.toString()));
        a.addAll(calibration());
        assertEquals(0, NibbleCli.run(a.toArray(String[]::new)));
        assertTrue(Files.isRegularFile(fluxDev.resolve("transformer/diffusion_pytorch_model.safetensors")));
        assertTrue(Files.isRegularFile(sdxl.resolve("unet/diffusion_pytorch_model.safetensors")));
    }

    @ParameterizedTest
    @CsvSource({
            "flux_dev_transformer__single, flux",
            "flux_dev_transformer__batch2_nonsquare, flux",
            "pipeline_flux_dev, flux",
            "sdxl_unet__single, sdxl",
            "sdxl_unet__cfg_batch2_nonsquare, sdxl",
            "pipeline_sdxl, sdxl"})
    void svdqInt4IsWithinTheMeasuredBound(String caseName, String model) {
        Path out = tmp.resolve("out-" + caseName);
        int code = NibbleCli.run("parity", "--case", Golden.testCase(caseName).toString(), "--out", out.toString(),
                "--model", (model.equals("flux") ? fluxDev : sdxl).toString(), "--precision", "svdq-int4",
                "--backend", "cpu");
        assertEquals(0, code, caseName + " exceeded the svdq-int4 bound (see the table above)");
        assertTrue(Files.exists(out.resolve("outputs.safetensors")));
    }
}
