package dev.nibble.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads the real files written by PyTorch / safetensors in the shared golden set. */
class SafetensorsGoldenTest {
    @TempDir
    Path tmp;

    @Test
    void fluxTransformerWeightsMatchItsConfig() {
        Path dir = Golden.path("models/flux_dev/transformer");
        DiffusersConfig cfg = DiffusersConfig.read(dir.resolve("config.json"));
        int inner = cfg.getInt("num_attention_heads") * cfg.getInt("attention_head_dim");
        int layers = cfg.getInt("num_layers");
        try (SafetensorsStore w = SafetensorsStore.open(dir)) {
            assertEquals(dir.resolve("diffusion_pytorch_model.safetensors"), w.path());
            assertEquals(Map.of("format", "pt"), w.metadata());
            assertEquals(Shape.of(inner, cfg.getInt("in_channels")), w.spec("x_embedder.weight").shape());
            assertEquals(Shape.of(inner, cfg.getInt("joint_attention_dim")), w.spec("context_embedder.weight").shape());
            assertEquals(Shape.of(cfg.getInt("attention_head_dim")), w.spec("transformer_blocks.0.attn.norm_q.weight").shape());
            assertEquals(Shape.of(inner, cfg.getInt("pooled_projection_dim")),
                    w.spec("time_text_embed.text_embedder.linear_1.weight").shape());
            assertTrue(w.contains("transformer_blocks." + (layers - 1) + ".attn.to_q.weight"));
            assertFalse(w.contains("transformer_blocks." + layers + ".attn.to_q.weight"));
            assertTrue(w.contains("single_transformer_blocks." + (cfg.getInt("num_single_layers") - 1) + ".proj_out.weight"));
            assertEquals(cfg.getBoolean("guidance_embeds"), w.contains("time_text_embed.guidance_embedder.linear_1.weight"));
            for (String n : w.names()) {
                assertEquals(DType.F32, w.spec(n).dtype(), n);
            }
            // Norm scales were drawn around 1 (see golden README), so real data is being read.
            float[] normQ = w.tensor("transformer_blocks.0.attn.norm_q.weight").toFloatArray();
            for (float v : normQ) {
                assertTrue(v > 0.3f && v < 1.7f, "norm scale " + v);
            }
        }
    }

    @Test
    void t5EmbeddingMatchesConfigVocabulary() {
        Path dir = Golden.path("models/flux_dev/text_encoder_2");
        DiffusersConfig cfg = DiffusersConfig.read(dir.resolve("config.json"));
        try (SafetensorsStore w = SafetensorsStore.open(dir)) {
            assertEquals(dir.resolve("model.safetensors"), w.path());
            assertEquals(Shape.of(cfg.getInt("vocab_size"), cfg.getInt("d_model")), w.spec("shared.weight").shape());
        }
    }

    @Test
    void textEncoderInputsAreInt64TokenIds() {
        Path p = Golden.path("cases/flux_text_encoder__single/inputs.safetensors");
        int vocab = DiffusersConfig.read(Golden.path("models/flux_dev/text_encoder/config.json")).getInt("vocab_size");
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            Tensor ids = f.tensor("input_ids");
            assertEquals(DType.I64, ids.dtype());
            assertEquals(Shape.of(1, 77), ids.shape());
            long[] v = ids.toLongArray();
            for (long id : v) {
                assertTrue(id >= 0 && id < vocab, "token id " + id);
            }
            assertEquals(vocab - 2, v[0], "CLIP starts with <|startoftext|>, the second-to-last vocabulary entry");
        }
    }

    @Test
    void attentionMaskIsZerosAndOnes() {
        try (SafetensorsFile f = SafetensorsFile.open(Golden.path("cases/flux_text_encoder_2__batch2_with_attention_mask/inputs.safetensors"))) {
            Tensor mask = f.tensor("attention_mask");
            assertEquals(DType.I64, mask.dtype());
            long ones = 0;
            for (long v : mask.toLongArray()) {
                assertTrue(v == 0 || v == 1);
                ones += v;
            }
            assertTrue(ones > 0 && ones < mask.numel());
        }
    }

    /** Every tensor file of every case agrees with the shapes and dtypes its case.json declares. */
    @Test
    void everyCaseFileMatchesItsCaseJson() throws IOException {
        ObjectMapper json = new ObjectMapper();
        int checked = 0;
        try (Stream<Path> cases = Files.list(Golden.path("cases"))) {
            for (Path c : cases.sorted().toList()) {
                JsonNode cj = json.readTree(c.resolve("case.json").toFile());
                checked += checkAgainst(c.resolve("inputs.safetensors"), cj.get("input_tensors"), false, true);
                checked += checkAgainst(c.resolve("outputs.safetensors"), cj.get("output_tensors"), false, true);
                checked += checkAgainst(c.resolve("outputs_f64.safetensors"), cj.get("output_tensors"), true, false);
            }
        }
        assertTrue(checked > 400, "only " + checked + " tensors checked");
    }

    private static int checkAgainst(Path file, JsonNode declared, boolean f64, boolean complete) {
        if (!Files.exists(file)) {
            return 0;
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            if (complete) {
                assertEquals(declared.size(), f.names().size(), file.toString());
            }
            for (String n : f.names()) {
                JsonNode d = declared.get(n);
                assertTrue(d != null, file + ": undeclared tensor " + n);
                int[] shape = new int[d.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = d.get("shape").get(i).intValue();
                }
                DType want = f64 ? DType.F64 : switch (d.get("dtype").asText()) {
                    case "float32" -> DType.F32;
                    case "int64" -> DType.I64;
                    default -> throw new AssertionError("dtype " + d.get("dtype"));
                };
                Tensor t = f.tensor(n);
                assertEquals(want, t.dtype(), file + " " + n);
                assertArrayEquals(shape, t.shape().toArray(), file + " " + n);
                if (want.isFloatingPoint()) {
                    for (float v : t.toFloatArray()) {
                        assertTrue(Float.isFinite(v), file + " " + n + " has non-finite values");
                    }
                }
            }
            return f.names().size();
        }
    }

    @Test
    void everyModelWeightFileOpens() throws IOException {
        try (Stream<Path> s = Files.walk(Golden.path("models"))) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
            assertEquals(12, files.size(), files.toString());
            for (Path p : files) {
                try (SafetensorsStore w = SafetensorsStore.open(p.getParent())) {
                    assertFalse(w.names().isEmpty(), p.toString());
                    for (String n : w.names()) {
                        assertEquals(w.spec(n).byteSize(), w.tensor(n).byteSize());
                    }
                }
            }
        }
    }

    /** Reading a real file and writing it again preserves every tensor and the metadata. */
    @Test
    void rewritingAGoldenFilePreservesIt() {
        Path src = Golden.path("models/flux_dev/transformer/diffusion_pytorch_model.safetensors");
        Path copy = tmp.resolve("copy.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(src)) {
            Map<String, Tensor> all = new java.util.TreeMap<>();
            f.names().forEach(n -> all.put(n, f.tensor(n)));
            SafetensorsWriter.write(copy, all, f.metadata());
            try (SafetensorsFile g = SafetensorsFile.open(copy)) {
                assertEquals(f.names(), g.names());
                assertEquals(f.metadata(), g.metadata());
                for (String n : f.names()) {
                    assertEquals(-1, f.tensor(n).data().mismatch(g.tensor(n).data()), n);
                }
            }
        }
    }
}
