package dev.nibble.models.common.clip;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.GoldenCase;
import dev.nibble.models.common.nn.MapWeights;
import dev.nibble.models.common.nn.MissingWeightException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLIP vision tower and CLIPModel's config and loading: sizes from config.json, every attention
 * unmasked, half-precision tables, and errors that name the tensor and the file. (Against PyTorch: the
 * bench's ClipScoreTest.)
 */
class ClipVisionModelTest {
    private static final Executor EXEC = GoldenCase.cpuExecutor();

    static final String CONFIG = """
            {"architectures": ["CLIPModel"], "projection_dim": 6,
             "text_config": {"vocab_size": 50, "hidden_size": 8, "intermediate_size": 12, "num_hidden_layers": 1,
                             "num_attention_heads": 2, "max_position_embeddings": 10, "eos_token_id": 2,
                             "projection_dim": 99},
             "vision_config": {"hidden_size": 12, "intermediate_size": 20, "num_hidden_layers": 2,
                               "num_attention_heads": 3, "image_size": 11, "patch_size": 4, "hidden_act": "gelu",
                               "layer_norm_eps": 1e-6, "projection_dim": 77}}""";

    static ClipConfig config() throws Exception {
        return ClipConfig.from(DiffusersConfig.of(Path.of("test-config.json"), new ObjectMapper().readTree(CONFIG)));
    }

    /** Random CLIPModel weights for {@link #CONFIG} in transformers' names. */
    static Map<String, Tensor> weights(ClipConfig c, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Tensor> m = new LinkedHashMap<>();
        ClipTextConfig t = c.text();
        ClipVisionConfig v = c.vision();
        m.put("text_model.embeddings.token_embedding.weight", random(r, Shape.of(t.vocabSize(), t.hiddenSize())));
        m.put("text_model.embeddings.position_embedding.weight", random(r, Shape.of(t.maxPositionEmbeddings(), t.hiddenSize())));
        layers(r, m, "text_model", t);
        norm(r, m, "text_model.final_layer_norm", t.hiddenSize());
        m.put("text_projection.weight", random(r, Shape.of(c.projectionDim(), t.hiddenSize())));
        int d = v.hiddenSize();
        m.put("vision_model.embeddings.class_embedding", random(r, Shape.of(d)));
        m.put("vision_model.embeddings.patch_embedding.weight", random(r, Shape.of(d, 3, v.patchSize(), v.patchSize())));
        m.put("vision_model.embeddings.position_embedding.weight", random(r, Shape.of(v.numPositions(), d)));
        norm(r, m, "vision_model.pre_layrnorm", d);
        layers(r, m, "vision_model", v);
        norm(r, m, "vision_model.post_layernorm", d);
        m.put("visual_projection.weight", random(r, Shape.of(c.projectionDim(), d)));
        m.put("logit_scale", Tensor.ofFloats(Shape.of(), 2.6592f));
        return m;
    }

    private static void layers(SplittableRandom r, Map<String, Tensor> m, String prefix, ClipEncoderConfig c) {
        int d = c.hiddenSize();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = prefix + ".encoder.layers." + i + ".";
            norm(r, m, p + "layer_norm1", d);
            norm(r, m, p + "layer_norm2", d);
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                m.put(p + "self_attn." + proj + ".weight", random(r, Shape.of(d, d)));
                m.put(p + "self_attn." + proj + ".bias", random(r, Shape.of(d)));
            }
            m.put(p + "mlp.fc1.weight", random(r, Shape.of(c.intermediateSize(), d)));
            m.put(p + "mlp.fc1.bias", random(r, Shape.of(c.intermediateSize())));
            m.put(p + "mlp.fc2.weight", random(r, Shape.of(d, c.intermediateSize())));
            m.put(p + "mlp.fc2.bias", random(r, Shape.of(d)));
        }
    }

    private static void norm(SplittableRandom r, Map<String, Tensor> m, String p, int d) {
        Tensor w = random(r, Shape.of(d));
        for (int i = 0; i < d; i++) {
            w.setFloat(i, 1 + 0.2f * w.getFloat(i));
        }
        m.put(p + ".weight", w);
        m.put(p + ".bias", random(r, Shape.of(d)));
    }

    private static Tensor random(SplittableRandom r, Shape s) {
        Tensor t = Tensor.zeros(DType.F32, s);
        double scale = s.rank() >= 2 ? Math.sqrt(3.0 / (s.numel() / s.dim(0))) : 0.5;
        for (long i = 0; i < t.numel(); i++) {
            t.setFloat(i, (float) (scale * (2 * r.nextDouble() - 1)));
        }
        return t;
    }

    static Tensor pixels(int batch, int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[batch * 3 * size * size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (4 * r.nextDouble() - 2);
        }
        return Tensor.ofFloats(Shape.of(batch, 3, size, size), v);
    }

    @Test
    void configIsReadFromTheNestedObjectsWithTheTopLevelProjection() throws Exception {
        ClipConfig c = config();
        assertEquals(6, c.projectionDim());
        assertEquals(6, c.text().projectionDim(), "CLIPModel's projection_dim wins over text_config's");
        assertEquals(6, c.vision().projectionDim());
        ClipVisionConfig v = c.vision();
        assertEquals(12, v.hiddenSize());
        assertEquals(3, v.numAttentionHeads());
        assertEquals(4, v.headDim());
        assertEquals(2, v.gridSize(), "11 // 4: the convolution drops the remainder");
        assertEquals(5, v.numPositions());
        assertEquals(UnaryFn.GELU, v.activation());
        assertEquals(1e-6f, v.layerNormEps());
        assertTrue(c.text().causal());
        assertTrue(!v.causal());
        // a flat CLIPVisionConfig with defaults: ViT-B/32 as transformers defines it
        ClipVisionConfig d = ClipVisionConfig.from(DiffusersConfig.of(Path.of("c.json"), new ObjectMapper().readTree("{}")));
        assertEquals(768, d.hiddenSize());
        assertEquals(224, d.imageSize());
        assertEquals(32, d.patchSize());
        assertEquals(UnaryFn.QUICK_GELU, d.activation());
        ConfigException e = assertThrows(ConfigException.class, () -> ClipVisionConfig.from(DiffusersConfig.of(
                Path.of("bad.json"), new ObjectMapper().readTree("{\"hidden_size\": 10, \"num_attention_heads\": 3}"))));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("not divisible"), e.getMessage());
    }

    @Test
    void everyPositionSeesEveryOtherOne() throws Exception {
        ClipConfig c = config();
        ClipVisionModel m = ClipVisionModel.of(c.vision(), new MapWeights(weights(c, 1), "random"));
        assertTrue(m.hasProjection());
        Tensor a = pixels(1, 11, 2);
        Tensor b = pixels(1, 11, 2);
        // change only the bottom-right patch (rows/cols 4..7): the class token, at position 0, must see it
        for (int ch = 0; ch < 3; ch++) {
            for (int y = 4; y < 8; y++) {
                for (int x = 4; x < 8; x++) {
                    long i = (ch * 11L + y) * 11 + x;
                    b.setFloat(i, -b.getFloat(i));
                }
            }
        }
        // ... while the pixels the convolution drops (row and column 8..10) change nothing
        Tensor dropped = pixels(1, 11, 2);
        for (int ch = 0; ch < 3; ch++) {
            for (int x = 0; x < 11; x++) {
                dropped.setFloat((ch * 11L + 10) * 11 + x, 7f);
            }
        }
        float[] pa = m.encode(a, EXEC).poolerOutput().toFloatArray();
        float[] pb = m.encode(b, EXEC).poolerOutput().toFloatArray();
        float diff = 0;
        for (int i = 0; i < pa.length; i++) {
            diff = Math.max(diff, Math.abs(pa[i] - pb[i]));
        }
        assertTrue(diff > 1e-3, "the class token ignores the last patch: not attending to every position");
        assertArrayEquals(pa, m.encode(dropped, EXEC).poolerOutput().toFloatArray(), 0f);
        ClipVisionModel.Output out = m.encode(pixels(2, 11, 3), EXEC);
        assertArrayEquals(new int[] {2, 5, 12}, out.lastHiddenState().shape().toArray());
        assertArrayEquals(new int[] {2, 12}, out.poolerOutput().shape().toArray());
        assertArrayEquals(new int[] {2, 6}, out.imageEmbeds().shape().toArray());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> m.encode(pixels(1, 12, 1), EXEC));
        assertTrue(wrong.getMessage().contains("[1, 3, 11, 11]"), wrong.getMessage());
    }

    @Test
    void halfPrecisionTablesGiveTheSameEmbeddings() throws Exception {
        ClipConfig c = config();
        Map<String, Tensor> w = weights(c, 4);
        Map<String, Tensor> half = new LinkedHashMap<>(w);
        half.replaceAll((k, t) -> t.to(DType.F16).to(DType.F32));
        Map<String, Tensor> f16 = new LinkedHashMap<>(w);
        for (String k : new String[] {"vision_model.embeddings.class_embedding", "vision_model.embeddings.position_embedding.weight",
            "vision_model.embeddings.patch_embedding.weight", "visual_projection.weight"}) {
            f16.put(k, w.get(k).to(DType.F16));
            half.put(k, w.get(k).to(DType.F16).to(DType.F32));
        }
        half.keySet().retainAll(w.keySet());
        Tensor x = pixels(1, 11, 5);
        float[] want = ClipVisionModel.of(c.vision(), new MapWeights(rounded(w, f16), "f32")).encode(x, EXEC).imageEmbeds().toFloatArray();
        float[] got = ClipVisionModel.of(c.vision(), new MapWeights(f16, "f16")).encode(x, EXEC).imageEmbeds().toFloatArray();
        assertArrayEquals(want, got, 1e-5f);
    }

    /** The F32 weights with the tensors stored as F16 in {@code f16} rounded the same way. */
    private static Map<String, Tensor> rounded(Map<String, Tensor> w, Map<String, Tensor> f16) {
        Map<String, Tensor> out = new LinkedHashMap<>(w);
        f16.forEach((k, t) -> {
            if (t.dtype() == DType.F16) {
                out.put(k, t.to(DType.F32));
            }
        });
        return out;
    }

    @Test
    void clipModelLoadsAFolderAndNamesMissingOrMisShapedTensorsWithTheFile(@TempDir Path tmp) throws Exception {
        ClipConfig c = config();
        Files.writeString(tmp.resolve("config.json"), CONFIG);
        Map<String, Tensor> w = weights(c, 6);
        Path file = tmp.resolve("model.safetensors");
        SafetensorsWriter.write(file, w);
        try (ClipModel m = ClipModel.load(tmp)) {
            Tensor ids = Tensor.ofLongs(Shape.of(2, 4), 0, 7, 49, 1, 0, 49, 1, 1);
            Tensor t = m.textFeatures(ids, EXEC);
            assertArrayEquals(new int[] {2, 6}, t.shape().toArray());
            // the same as the text model alone (pooled at argmax(ids): eos_token_id is 2)
            assertArrayEquals(m.textModel().encode(ids, EXEC).textEmbeds().toFloatArray(), t.toFloatArray(), 0f);
            assertNotNull(m.imageFeatures(pixels(1, 11, 7), EXEC));
        }

        Map<String, Tensor> missing = new LinkedHashMap<>(w);
        missing.remove("vision_model.encoder.layers.1.mlp.fc2.bias");
        SafetensorsWriter.write(file, missing);
        MissingWeightException e = assertThrows(MissingWeightException.class, () -> ClipModel.load(tmp));
        assertTrue(e.getMessage().contains("'vision_model.encoder.layers.1.mlp.fc2.bias'"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());

        Map<String, Tensor> noProjection = new LinkedHashMap<>(w);
        noProjection.remove("text_projection.weight");
        SafetensorsWriter.write(file, noProjection);
        e = assertThrows(MissingWeightException.class, () -> ClipModel.load(tmp));
        assertTrue(e.getMessage().contains("'text_projection.weight' is missing from " + file), e.getMessage());

        Map<String, Tensor> misShaped = new LinkedHashMap<>(w);
        misShaped.put("vision_model.embeddings.patch_embedding.weight", Tensor.zeros(DType.F32, Shape.of(12, 3, 5, 5)));
        SafetensorsWriter.write(file, misShaped);
        e = assertThrows(MissingWeightException.class, () -> ClipModel.load(tmp));
        assertTrue(e.getMessage().contains("'vision_model.embeddings.patch_embedding.weight' in " + file
                + " has shape [12, 3, 5, 5] but the config implies [12, 3, 4, 4]"), e.getMessage());

        Map<String, Tensor> wideCls = new LinkedHashMap<>(w);
        wideCls.put("vision_model.embeddings.class_embedding", Tensor.zeros(DType.F32, Shape.of(13)));
        SafetensorsWriter.write(file, wideCls);
        e = assertThrows(MissingWeightException.class, () -> ClipModel.load(tmp));
        assertTrue(e.getMessage().contains("'vision_model.embeddings.class_embedding' in " + file
                + " has shape [13] but the config implies [12]"), e.getMessage());
    }
}
