package dev.nibble.models.common.vae;

import dev.nibble.engine.exec.Executor;
import dev.nibble.models.common.nn.GoldenCase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** AutoencoderKL encode/decode against the PyTorch references (FLUX: no quant convs; SDXL: with). */
class AutoencoderKLGoldenTest {
    private static final Executor EXEC = GoldenCase.cpuExecutor();

    @ParameterizedTest
    @ValueSource(strings = {"flux_vae_decode__single", "flux_vae_decode__batch2_nonsquare",
            "sdxl_vae_decode__single", "sdxl_vae_decode__batch2_nonsquare"})
    void decodeMatchesReference(String caseName) {
        try (GoldenCase c = GoldenCase.open(caseName); AutoencoderKL vae = AutoencoderKL.load(c.modelDir())) {
            c.check("sample", vae.decode(c.input("z"), EXEC));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"flux_vae_encode__single", "flux_vae_encode__batch2_nonsquare",
            "sdxl_vae_encode__single", "sdxl_vae_encode__batch2_nonsquare"})
    void encodeMatchesReference(String caseName) {
        try (GoldenCase c = GoldenCase.open(caseName); AutoencoderKL vae = AutoencoderKL.load(c.modelDir())) {
            AutoencoderKL.LatentDist d = vae.encode(c.input("x"), EXEC);
            c.check("mean", d.mean());
            c.check("logvar", d.logvar());
            c.check("std", d.std());
        }
    }
}
