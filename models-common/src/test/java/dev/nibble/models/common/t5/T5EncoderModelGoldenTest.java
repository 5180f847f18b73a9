package dev.nibble.models.common.t5;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.GoldenCase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** T5EncoderModel against the PyTorch references, with and without a padding mask. */
class T5EncoderModelGoldenTest {
    private static final Executor EXEC = GoldenCase.cpuExecutor();

    @ParameterizedTest
    @ValueSource(strings = {"flux_text_encoder_2__single", "flux_text_encoder_2__batch2",
            "flux_text_encoder_2__batch2_with_attention_mask"})
    void matchesReference(String caseName) {
        try (GoldenCase c = GoldenCase.open(caseName); T5EncoderModel model = T5EncoderModel.load(c.modelDir())) {
            Tensor mask = c.hasInput("attention_mask") ? c.input("attention_mask") : null;
            assertEquals(caseName.endsWith("with_attention_mask"), mask != null);
            Tensor out = model.encode(c.input("input_ids"), mask, EXEC);
            c.check("last_hidden_state", out);
        }
    }
}
