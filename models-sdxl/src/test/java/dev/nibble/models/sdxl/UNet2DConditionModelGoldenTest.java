package dev.nibble.models.sdxl;

import dev.nibble.engine.exec.Executor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SDXL-layout UNet2DConditionModel against the PyTorch references (single and CFG-style batch 2, non-square). */
class UNet2DConditionModelGoldenTest {
    private static final Executor EXEC = Golden.cpu();

    @ParameterizedTest
    @ValueSource(strings = {"sdxl_unet__single", "sdxl_unet__cfg_batch2_nonsquare"})
    void matchesReference(String caseName) {
        try (Golden c = Golden.open(caseName); UNet2DConditionModel unet = UNet2DConditionModel.load(c.modelDir())) {
            var out = unet.forward(EXEC, c.input("sample"), c.input("timestep"), c.input("encoder_hidden_states"),
                    c.input("text_embeds"), c.input("time_ids"));
            c.checkModel("sample", out);
        }
    }
}
