package dev.nibble.models.common.clip;

import dev.nibble.engine.exec.Executor;
import dev.nibble.models.common.nn.GoldenCase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLIPTextModel / CLIPTextModelWithProjection against the PyTorch references. */
class ClipTextModelGoldenTest {
    private static final Executor EXEC = GoldenCase.cpuExecutor();

    @ParameterizedTest
    @ValueSource(strings = {"flux_text_encoder__single", "flux_text_encoder__batch2",
            "sdxl_text_encoder__single", "sdxl_text_encoder__batch2",
            "sdxl_text_encoder_2__single", "sdxl_text_encoder_2__batch2"})
    void matchesReference(String caseName) {
        try (GoldenCase c = GoldenCase.open(caseName); ClipTextModel model = ClipTextModel.load(c.modelDir())) {
            boolean projection = c.json().getString("class").endsWith("WithProjection");
            assertEquals(projection, model.hasProjection());
            ClipTextModel.Output out = model.encode(c.input("input_ids"), EXEC);
            assertEquals(model.config().numHiddenLayers() + 1, out.hiddenStates().size());
            if (!projection) {
                assertNull(out.textEmbeds());
            }
            for (String name : c.outputNames()) {
                switch (name) {
                    case "last_hidden_state" -> c.check(name, out.lastHiddenState());
                    case "pooler_output" -> c.check(name, out.poolerOutput());
                    case "text_embeds" -> c.check(name, out.textEmbeds());
                    default -> {
                        assertTrue(name.startsWith("hidden_states."), name);
                        c.check(name, out.hiddenState(Integer.parseInt(name.substring("hidden_states.".length()))));
                    }
                }
            }
            assertFalse(c.outputNames().isEmpty());
        }
    }
}
