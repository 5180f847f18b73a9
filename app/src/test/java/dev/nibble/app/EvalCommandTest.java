package dev.nibble.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nibble eval} on the built-in model and its shipped 4-bit version: the paper-style table with
 * PSNR/SSIM, the metrics without weights named as not computed, the CLIP score of both sets with a (tiny,
 * random) CLIP model folder, and weight files that are not what they claim refused before anything is
 * generated.
 */
class EvalCommandTest {
    @TempDir
    Path tmp;

    static Path builtIn(String name) {
        Path home = Path.of(System.getProperty("nibble.home", "..")).toAbsolutePath().normalize();
        Path p = home.resolve("models").resolve(name);
        assertTrue(Files.isRegularFile(p.resolve("model_index.json")), "built-in model not found at " + p);
        return p;
    }

    @Test
    void printsThePaperTableForTheBuiltInPair() throws Exception {
        Path prompts = tmp.resolve("prompts.txt");
        Files.writeString(prompts, "a large red circle on a blue background\na small green square at the top left\n");
        Path out = tmp.resolve("eval");
        GenerateCommandTest.Run r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(), "--n", "2",
                "--size", "32", "--steps", "2", "--backend", "cpu", "--no-progress", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| nibble-shapes (reference) | fp32 | 2 | — | — | — | — |"), r.out());
        assertTrue(r.out().contains("| nibble-shapes-svdq | svdq-int4 | 2 |"), r.out());
        assertTrue(r.out().contains("FID n/c: no --inception-weights given"), r.out());
        assertTrue(r.out().contains("LPIPS n/c: no --lpips-weights given"), r.out());
        assertTrue(r.out().contains("CLIP score n/c: no --clip-model given"), r.out());
        JsonNode j = JsonOutput.MAPPER.readTree(Files.readString(out.resolve("eval.json")));
        assertEquals(2, j.path("images").asInt());
        assertTrue(j.path("metrics").path("PSNR").path("computed").asBoolean());
        assertFalse(j.path("metrics").path("FID").path("computed").asBoolean());
        assertFalse(j.path("metrics").path("ImageReward").path("computed").asBoolean());
    }

    @Test
    void aWeightsFileThatIsNotTheNetworkIsRefusedUpFront() throws Exception {
        Path prompts = tmp.resolve("prompts.txt");
        Files.writeString(prompts, "a red circle\n");
        Path garbage = tmp.resolve("inception.safetensors");
        Files.writeString(garbage, "not a safetensors file");
        Path out = tmp.resolve("eval");
        GenerateCommandTest.Run r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(),
                "--inception-weights", garbage.toString(), "--no-progress", "--out", out.toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains(garbage.toString()), r.err());
        assertFalse(Files.exists(out.resolve("reference")), "nothing generated before the weights were checked");

        // a valid safetensors file that is not the Inception network: the first missing tensor is named
        Path other = builtIn("nibble-shapes").resolve("vae").resolve("diffusion_pytorch_model.safetensors");
        r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(),
                "--inception-weights", other.toString(), "--no-progress", "--out", out.toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("missing tensor 'Conv2d_1a_3x3.conv.weight'"), r.err());

        // a folder without the CLIP files, and a pipeline component that is no CLIPModel
        Path empty = Files.createDirectories(tmp.resolve("no-clip"));
        r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(),
                "--clip-model", empty.toString(), "--no-progress", "--out", out.toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("--clip-model " + empty), r.err());
        assertTrue(r.err().contains("missing config.json, model.safetensors, vocab.json, merges.txt"), r.err());
        Path textEncoder = Files.createDirectories(tmp.resolve("text-encoder"));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(builtIn("nibble-shapes").resolve("text_encoder").resolve(f), textEncoder.resolve(f));
        }
        for (String f : new String[] {"vocab.json", "merges.txt"}) {
            Files.copy(builtIn("nibble-shapes").resolve("tokenizer").resolve(f), textEncoder.resolve(f));
        }
        r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(),
                "--clip-model", textEncoder.toString(), "--no-progress", "--out", out.toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("not a CLIPModel config"), r.err());
        assertFalse(Files.exists(out.resolve("reference")), "nothing generated before the CLIP model was checked");
    }

    @Test
    void aFidReferenceFolderNeedsTheInceptionWeights() throws Exception {
        Path prompts = tmp.resolve("prompts.txt");
        Files.writeString(prompts, "a red circle\n");
        GenerateCommandTest.Run r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(),
                "--fid-reference", tmp.toString(), "--no-progress", "--out", tmp.resolve("eval-fid").toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("--fid-reference needs --inception-weights"), r.err());
    }

    @Test
    void imageRewardNeedsItsVocabularyAndItsCheckpoint() throws Exception {
        Path prompts = tmp.resolve("prompts.txt");
        Files.writeString(prompts, "a red circle\n");
        Path out = tmp.resolve("eval-ir");
        Path notImageReward = builtIn("nibble-shapes").resolve("vae").resolve("diffusion_pytorch_model.safetensors");
        GenerateCommandTest.Run r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(),
                "--image-reward", notImageReward.toString(), "--no-progress", "--out", out.toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("--image-reward and --image-reward-vocab go together"), r.err());

        Path vocab = tmp.resolve("vocab.txt");
        Files.writeString(vocab, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nred\ncircle\n");
        r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(),
                "--image-reward", notImageReward.toString(), "--image-reward-vocab", vocab.toString(), "--no-progress",
                "--out", out.toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("--image-reward " + notImageReward) && r.err().contains("blip."), r.err());
        assertFalse(Files.exists(out.resolve("reference")), "nothing generated before the checkpoint was checked");
    }

    @Test
    void printsTheClipScoreOfBothSetsWithAClipModelFolder() throws Exception {
        Path clip = tinyClipModel(tmp.resolve("clip"));
        Path prompts = tmp.resolve("prompts.txt");
        Files.writeString(prompts, "a large red circle on a blue background\na small green square at the top left\n");
        Path out = tmp.resolve("eval");
        GenerateCommandTest.Run r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(), "--n", "2",
                "--size", "32", "--steps", "2", "--backend", "cpu", "--no-progress", "--out", out.toString(),
                "--clip-model", clip.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| FID ↓ | ImageReward ↑ | CLIP score ↑ |"), r.out());
        // the CLIP score column (the 9th) holds a number, mean ± std of the two images, in both rows
        Pattern row = Pattern.compile("^\\| (nibble-shapes \\(reference\\)|nibble-shapes-svdq) \\|(?:[^|]*\\|){7} "
                + "(\\d+\\.\\d\\d(?: ± \\d+\\.\\d\\d)?) \\|", Pattern.MULTILINE);
        Matcher m = row.matcher(r.out());
        int rows = 0;
        while (m.find()) {
            rows++;
            double v = Double.parseDouble(m.group(2).split(" ")[0]);
            assertTrue(v >= 0 && v <= 100, m.group());
        }
        assertEquals(2, rows, r.out());
        assertTrue(r.out().contains("CLIP score: 100·max(cos, 0) of the CLIP image and prompt embeddings"), r.out());
        assertTrue(r.out().contains("Model: clip: ViT 2 layers"), r.out());
        assertFalse(r.out().contains("CLIP score n/c"), r.out());
        JsonNode j = JsonOutput.MAPPER.readTree(Files.readString(out.resolve("eval.json")));
        JsonNode c = j.path("metrics").path("CLIP score");
        assertTrue(c.path("computed").asBoolean(), c.toString());
        assertEquals(2, c.path("reference").path("count").asInt());
        assertEquals(2, c.path("quantized").path("count").asInt());
        assertTrue(j.path("per_image").get(0).has("clip_score_quantized"));
        assertTrue(Files.readString(out.resolve("per-image.csv")).lines().findFirst().orElseThrow().endsWith(
                ",image_reward_reference,image_reward_quantized,clip_score_reference,clip_score_quantized"));
    }

    /**
     * A tiny CLIPModel folder as a user would supply one (config.json, model.safetensors, vocab.json,
     * merges.txt), with random weights written by the engine's SafetensorsWriter and the built-in model's
     * CLIP tokenizer. (Correctness against PyTorch is the bench's ClipScoreTest.)
     */
    static Path tinyClipModel(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path tok = builtIn("nibble-shapes").resolve("tokenizer");
        for (String f : new String[] {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
            Files.copy(tok.resolve(f), dir.resolve(f));
        }
        int vocab = JsonOutput.MAPPER.readTree(tok.resolve("vocab.json").toFile()).size();
        int textWidth = 16;
        int width = 24;
        int image = 28;
        int patch = 7;
        int projection = 12;
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": %d,
                 "text_config": {"vocab_size": %d, "hidden_size": %d, "intermediate_size": 32, "num_hidden_layers": 2,
                                 "num_attention_heads": 2, "max_position_embeddings": 77, "eos_token_id": 2},
                 "vision_config": {"hidden_size": %d, "intermediate_size": 48, "num_hidden_layers": 2,
                                   "num_attention_heads": 4, "image_size": %d, "patch_size": %d}}
                """.formatted(projection, vocab, textWidth, width, image, patch));
        SplittableRandom rnd = new SplittableRandom(7);
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("text_model.embeddings.token_embedding.weight", random(rnd, vocab, textWidth));
        w.put("text_model.embeddings.position_embedding.weight", random(rnd, 77, textWidth));
        encoder(rnd, w, "text_model", textWidth, 32);
        w.put("text_model.final_layer_norm.weight", ones(textWidth));
        w.put("text_model.final_layer_norm.bias", random(rnd, textWidth));
        w.put("text_projection.weight", random(rnd, projection, textWidth));
        w.put("vision_model.embeddings.class_embedding", random(rnd, width));
        w.put("vision_model.embeddings.patch_embedding.weight", random(rnd, width, 3, patch, patch));
        w.put("vision_model.embeddings.position_embedding.weight", random(rnd, (image / patch) * (image / patch) + 1, width));
        for (String ln : new String[] {"pre_layrnorm", "post_layernorm"}) {
            w.put("vision_model." + ln + ".weight", ones(width));
            w.put("vision_model." + ln + ".bias", random(rnd, width));
        }
        encoder(rnd, w, "vision_model", width, 48);
        w.put("visual_projection.weight", random(rnd, projection, width));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), w);
        return dir;
    }

    private static void encoder(SplittableRandom rnd, Map<String, Tensor> w, String tower, int d, int mlp) {
        for (int i = 0; i < 2; i++) {
            String p = tower + ".encoder.layers." + i + ".";
            for (String ln : new String[] {"layer_norm1", "layer_norm2"}) {
                w.put(p + ln + ".weight", ones(d));
                w.put(p + ln + ".bias", random(rnd, d));
            }
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                w.put(p + "self_attn." + proj + ".weight", random(rnd, d, d));
                w.put(p + "self_attn." + proj + ".bias", random(rnd, d));
            }
            w.put(p + "mlp.fc1.weight", random(rnd, mlp, d));
            w.put(p + "mlp.fc1.bias", random(rnd, mlp));
            w.put(p + "mlp.fc2.weight", random(rnd, d, mlp));
            w.put(p + "mlp.fc2.bias", random(rnd, d));
        }
    }

    private static Tensor random(SplittableRandom rnd, int... dims) {
        Tensor t = Tensor.zeros(DType.F32, Shape.of(dims));
        double scale = dims.length > 1 ? Math.sqrt(3.0 * dims[0] / t.numel()) : 0.1;
        for (long i = 0; i < t.numel(); i++) {
            t.setFloat(i, (float) (scale * (2 * rnd.nextDouble() - 1)));
        }
        return t;
    }

    private static Tensor ones(int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return Tensor.ofFloats(Shape.of(n), v);
    }
}
