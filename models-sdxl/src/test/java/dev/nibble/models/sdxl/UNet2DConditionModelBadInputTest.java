package dev.nibble.models.sdxl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.MissingWeightException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configs that do not match their weights, unsupported options and malformed inputs fail clearly. */
class UNet2DConditionModelBadInputTest {
    private static final Executor EXEC = Golden.cpu();
    private static final String WEIGHTS = "diffusion_pytorch_model.safetensors";
    private static UNet2DConditionModel unet;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        unet = UNet2DConditionModel.load(unetDir());
    }

    @AfterAll
    static void close() {
        if (unet != null) {
            unet.close();
        }
    }

    private static Path unetDir() {
        return Golden.root().resolve("models/sdxl/unet");
    }

    /** A copy of the golden unet folder whose config.json is edited by {@code edit}. */
    private Path withConfig(Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) m.readTree(unetDir().resolve("config.json").toFile());
        edit.accept(cfg);
        Files.writeString(tmp.resolve("config.json"), m.writeValueAsString(cfg));
        Files.createSymbolicLink(tmp.resolve(WEIGHTS), unetDir().resolve(WEIGHTS).toAbsolutePath());
        return tmp;
    }

    @Test
    void widerBlockThanWeightsNamesTheTensor() throws IOException {
        Path dir = withConfig(c -> c.putArray("block_out_channels").add(32).add(64).add(96));
        MissingWeightException e = assertThrows(MissingWeightException.class, () -> UNet2DConditionModel.load(dir));
        assertTrue(e.getMessage().contains("down_blocks.2.resnets.0."), e.getMessage());
        assertTrue(e.getMessage().contains(WEIGHTS), e.getMessage());
    }

    @Test
    void deeperTransformerThanWeightsNamesTheMissingTensor() throws IOException {
        Path dir = withConfig(c -> c.putArray("transformer_layers_per_block").add(1).add(1).add(3));
        MissingWeightException e = assertThrows(MissingWeightException.class, () -> UNet2DConditionModel.load(dir));
        assertTrue(e.getMessage().contains("down_blocks.2.attentions.0.transformer_blocks.2.norm1.weight"), e.getMessage());
    }

    @Test
    void wrongCrossAttentionDimNamesTheTensor() throws IOException {
        Path dir = withConfig(c -> c.put("cross_attention_dim", 64));
        MissingWeightException e = assertThrows(MissingWeightException.class, () -> UNet2DConditionModel.load(dir));
        assertTrue(e.getMessage().contains("attn2.to_k.weight"), e.getMessage());
    }

    @Test
    void wrongAddedEmbeddingWidthNamesTheTensor() throws IOException {
        Path dir = withConfig(c -> c.put("projection_class_embeddings_input_dim", 96));
        MissingWeightException e = assertThrows(MissingWeightException.class, () -> UNet2DConditionModel.load(dir));
        assertTrue(e.getMessage().contains("add_embedding.linear_1.weight"), e.getMessage());
    }

    @Test
    void headsThatDoNotDivideTheChannelsAreAConfigError() throws IOException {
        Path dir = withConfig(c -> c.putArray("attention_head_dim").add(2).add(3).add(4));
        ConfigException e = assertThrows(ConfigException.class, () -> UNet2DConditionModel.load(dir));
        assertTrue(e.getMessage().contains("attention heads"), e.getMessage());
    }

    @Test
    void unsupportedOptionsAreRejected() throws IOException {
        Path dir = withConfig(c -> c.put("class_embed_type", "timestep"));
        ConfigException e = assertThrows(ConfigException.class, () -> UNet2DConditionModel.load(dir));
        assertTrue(e.getMessage().contains("class_embed_type"), e.getMessage());
    }

    @Test
    void malformedInputsAreRejected() {
        Tensor sample = Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(1, 4, 8, 8));
        Tensor t = Tensor.ofFloats(Shape.of(1), 500f);
        Tensor ctx = Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(1, 77, 80));
        Tensor pooled = Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(1, 40));
        Tensor ids = Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(1, 6));
        Tensor badCtx = Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(1, 77, 64));
        var e1 = assertThrows(IllegalArgumentException.class, () -> unet.forward(EXEC, sample, t, badCtx, pooled, ids));
        assertTrue(e1.getMessage().contains("encoder_hidden_states"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> unet.forward(EXEC, sample, t, ctx, null, null));
        assertTrue(e2.getMessage().contains("text_embeds"), e2.getMessage());
        Tensor badPooled = Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(1, 48));
        var e3 = assertThrows(IllegalArgumentException.class, () -> unet.forward(EXEC, sample, t, ctx, badPooled, ids));
        assertTrue(e3.getMessage().contains("projection_class_embeddings_input_dim"), e3.getMessage());
    }

    /** Latent sizes not divisible by 2^downsamplers: skips are 6→3→2, the upsamplers crop 4→3 and 6→6. */
    @Test
    void oddLatentSizesRun() {
        int b = 2;
        Tensor sample = Tensor.ofFloats(Shape.of(b, 4, 6, 10), new float[b * 4 * 60]);
        Tensor out = unet.forward(EXEC, sample, Tensor.ofFloats(Shape.of(1), 999f),
                Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(b, 5, 80)),
                Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(b, 40)),
                Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(b, 6)));
        assertEquals(Shape.of(b, 4, 6, 10), out.shape());
        for (float v : out.toFloatArray()) {
            assertTrue(Float.isFinite(v));
        }
    }
}
