package dev.nibble.models.common.nn;

import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.clip.ClipTextModel;
import dev.nibble.models.common.t5.T5EncoderModel;
import dev.nibble.models.common.vae.AutoencoderKL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A config that does not match its weights fails at load, naming the tensor and the file. */
class ConfigMismatchTest {
    @TempDir
    Path tmp;

    @Test
    void clipHiddenSizeDisagreesWithEmbedding() throws IOException {
        Path dir = copy("models/sdxl/text_encoder", "model.safetensors",
                cfg -> cfg.replace("\"hidden_size\": 32", "\"hidden_size\": 40"), w -> w);
        expectError(() -> ClipTextModel.load(dir), "text_model.embeddings.token_embedding.weight",
                dir.resolve("model.safetensors"), "[914, 32]");
    }

    @Test
    void clipMissingTensor() throws IOException {
        Path dir = copy("models/sdxl/text_encoder", "model.safetensors", cfg -> cfg, w -> {
            w.remove("text_model.final_layer_norm.bias");
            return w;
        });
        expectError(() -> ClipTextModel.load(dir), "text_model.final_layer_norm.bias",
                dir.resolve("model.safetensors"), "missing");
    }

    @Test
    void t5TensorOfWrongShape() throws IOException {
        String name = "encoder.block.1.layer.1.DenseReluDense.wo.weight";
        Path dir = copy("models/flux_dev/text_encoder_2", "model.safetensors", cfg -> cfg, w -> {
            w.put(name, Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(32, 63)));
            return w;
        });
        expectError(() -> T5EncoderModel.load(dir), name, dir.resolve("model.safetensors"), "[32, 63]");
    }

    @Test
    void t5HeadCountDisagreesWithBiasTable() throws IOException {
        Path dir = copy("models/flux_dev/text_encoder_2", "model.safetensors",
                cfg -> cfg.replace("\"num_heads\": 4", "\"num_heads\": 2"), w -> w);
        expectError(() -> T5EncoderModel.load(dir), "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                dir.resolve("model.safetensors"), "[32, 4]");
    }

    @Test
    void vaeMoreLayersThanStored() throws IOException {
        String file = "diffusion_pytorch_model.safetensors";
        Path dir = copy("models/flux_dev/vae", file,
                cfg -> cfg.replace("\"layers_per_block\": 2", "\"layers_per_block\": 3"), w -> w);
        expectError(() -> AutoencoderKL.load(dir), "encoder.down_blocks.0.resnets.2.norm1.weight",
                dir.resolve(file), "missing");
    }

    @Test
    void vaeLatentChannelsDisagree() throws IOException {
        String file = "diffusion_pytorch_model.safetensors";
        Path dir = copy("models/flux_dev/vae", file,
                cfg -> cfg.replace("\"latent_channels\": 16", "\"latent_channels\": 8"), w -> w);
        expectError(() -> AutoencoderKL.load(dir), "encoder.conv_out.weight", dir.resolve(file), "[32, 32, 3, 3]");
    }

    private static void expectError(Executable load, String tensor, Path file, String detail) {
        MissingWeightException e = assertThrows(MissingWeightException.class, load);
        String m = e.getMessage();
        assertTrue(m.contains("'" + tensor + "'") && m.contains(file.toString()) && m.contains(detail), m);
    }

    /** A copy of a golden component folder with its config text and its tensors edited. */
    private Path copy(String component, String weightsFile, UnaryOperator<String> editConfig,
                      UnaryOperator<Map<String, Tensor>> editWeights) throws IOException {
        Path src = GoldenCase.goldenRoot().resolve(component);
        Path dst = Files.createDirectories(tmp.resolve(src.getFileName()));
        String cfg = Files.readString(src.resolve("config.json"));
        String edited = editConfig.apply(cfg);
        Files.writeString(dst.resolve("config.json"), edited);
        try (SafetensorsFile f = SafetensorsFile.open(src.resolve(weightsFile))) {
            Map<String, Tensor> all = new LinkedHashMap<>();
            for (String n : f.names()) {
                all.put(n, f.tensor(n));
            }
            SafetensorsWriter.write(dst.resolve(weightsFile), editWeights.apply(all));
        }
        return dst;
    }
}
