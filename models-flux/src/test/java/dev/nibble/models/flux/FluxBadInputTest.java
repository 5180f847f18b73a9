package dev.nibble.models.flux;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.models.common.nn.MissingWeightException;
import dev.nibble.models.common.nn.SafetensorsWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Configs that do not match their weights, and calls that do not match the model, fail naming the culprit. */
class FluxBadInputTest {
    private static final int[] AXES = {4, 6, 6};

    private static FluxConfig devConfig(int layers, int singles, int heads, int headDim, int joint, int[] axes) {
        return new FluxConfig(1, 64, 64, layers, singles, headDim, heads, joint, 32, true, axes);
    }

    @Test
    void wrongWidthNamesTheFirstTensor() {
        try (SafetensorsWeights w = SafetensorsWeights.open(Golden.path("models/flux_dev/transformer"))) {
            MissingWeightException e = assertThrows(MissingWeightException.class,
                    () -> FluxTransformer2DModel.of(devConfig(2, 2, 4, 16, 32, AXES), w));
            assertTrue(e.getMessage().contains("'x_embedder.weight'"), e.getMessage());
            assertTrue(e.getMessage().contains("[64, 64]"), e.getMessage());
        }
    }

    @Test
    void fewerLayersThanTheCheckpointNamesTheUnusedTensors() {
        try (SafetensorsWeights w = SafetensorsWeights.open(Golden.path("models/flux_dev/transformer"))) {
            MissingWeightException e = assertThrows(MissingWeightException.class,
                    () -> FluxTransformer2DModel.of(devConfig(1, 2, 2, 16, 32, AXES), w));
            assertTrue(e.getMessage().contains("'transformer_blocks.1."), e.getMessage());
        }
    }

    @Test
    void moreLayersThanTheCheckpointNamesTheMissingTensor() {
        try (SafetensorsWeights w = SafetensorsWeights.open(Golden.path("models/flux_dev/transformer"))) {
            MissingWeightException e = assertThrows(MissingWeightException.class,
                    () -> FluxTransformer2DModel.of(devConfig(2, 3, 2, 16, 32, AXES), w));
            assertTrue(e.getMessage().contains("'single_transformer_blocks.2.norm.linear.weight'"), e.getMessage());
        }
    }

    @Test
    void guidanceFlagMustMatchTheCheckpoint() {
        try (SafetensorsWeights w = SafetensorsWeights.open(Golden.path("models/flux_schnell/transformer"))) {
            MissingWeightException e = assertThrows(MissingWeightException.class,
                    () -> FluxTransformer2DModel.of(devConfig(2, 2, 2, 16, 32, AXES), w));
            assertTrue(e.getMessage().contains("'time_text_embed.guidance_embedder.linear_1.weight'"), e.getMessage());
        }
    }

    @Test
    void loadFromAFolderWithAMismatchedConfig(@TempDir Path dir) throws IOException {
        Path src = Golden.path("models/flux_dev/transformer");
        Files.copy(src.resolve("diffusion_pytorch_model.safetensors"), dir.resolve("diffusion_pytorch_model.safetensors"));
        String cfg = Files.readString(src.resolve("config.json")).replace("\"joint_attention_dim\": 32",
                "\"joint_attention_dim\": 48");
        Files.writeString(dir.resolve("config.json"), cfg);
        MissingWeightException e = assertThrows(MissingWeightException.class, () -> FluxTransformer2DModel.load(dir));
        assertTrue(e.getMessage().contains("'context_embedder.weight'"), e.getMessage());
        assertTrue(e.getMessage().contains("[32, 48]"), e.getMessage());
    }

    @Test
    void ropeAxesMustSplitTheHead(@TempDir Path dir) throws IOException {
        Path src = Golden.path("models/flux_dev/transformer");
        String cfg = Files.readString(src.resolve("config.json")).replaceAll("\"axes_dims_rope\": \\[[^]]*]",
                "\"axes_dims_rope\": [4, 6, 8]");
        Files.writeString(dir.resolve("config.json"), cfg);
        ConfigException e = assertThrows(ConfigException.class, () -> FluxConfig.read(dir));
        assertTrue(e.getMessage().contains("axes_dims_rope"), e.getMessage());
    }

    @Test
    void callsThatDoNotFitTheModelAreRejected() {
        Executor ex = new Executor(CpuBackend.fastDevice(), null, ExecutionOptions.DEFAULT);
        try (FluxTransformer2DModel m = FluxTransformer2DModel.load(Golden.path("models/flux_dev/transformer"));
             SafetensorsStore in = Golden.open("flux_dev_transformer__single", "inputs")) {
            IllegalArgumentException noGuidance = assertThrows(IllegalArgumentException.class,
                    () -> m.forward(ex, in.tensor("hidden_states"), in.tensor("encoder_hidden_states"),
                            in.tensor("pooled_projections"), in.tensor("timestep"), in.tensor("img_ids"),
                            in.tensor("txt_ids"), null));
            assertTrue(noGuidance.getMessage().contains("guidance"), noGuidance.getMessage());
            IllegalArgumentException wrongIds = assertThrows(IllegalArgumentException.class,
                    () -> m.forward(ex, in.tensor("hidden_states"), in.tensor("encoder_hidden_states"),
                            in.tensor("pooled_projections"), in.tensor("timestep"), in.tensor("txt_ids"),
                            in.tensor("txt_ids"), in.tensor("guidance")));
            assertTrue(wrongIds.getMessage().contains("img_ids"), wrongIds.getMessage());
        }
    }
}
