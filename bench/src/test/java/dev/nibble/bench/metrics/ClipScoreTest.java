package dev.nibble.bench.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.clip.ClipImageProcessor;
import dev.nibble.models.common.clip.ClipModel;
import dev.nibble.models.common.clip.ClipVisionModel;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLIP score against the real libraries: {@code make_clip_fixtures.py} runs transformers 5.18's CLIPModel
 * (loaded with from_pretrained), CLIPImageProcessor (its PIL backend: Pillow's resize) and CLIPTokenizer, and
 * torchmetrics 1.9's clip_score / CLIPScore, on deterministic weights that {@link TorchFixtures} regenerates
 * here, on three images of different sizes (down- and upsampled, landscape and portrait) and three prompts (one
 * truncated at 77 tokens; the ids also equal the golden tokenizer case's). This test writes those weights as a
 * CLIPModel folder and loads it as a user would.
 */
class ClipScoreTest {
    @TempDir
    static Path tmp;
    static Executor cpu;
    static ClipScore clip;
    static SafetensorsFile reference;
    static JsonNode manifest;

    @BeforeAll
    static void load() {
        cpu = new Executor(Backends.discover().cpu(), null, ExecutionOptions.DEFAULT);
        manifest = TorchFixtures.clipManifest();
        clip = ClipScore.load(TorchFixtures.writeClipModel(tmp.resolve("clip")), cpu);
        reference = TorchFixtures.clipOutputs();
    }

    @AfterAll
    static void close() {
        clip.close();
        reference.close();
    }

    static List<ChwImage> images() {
        List<ChwImage> out = new ArrayList<>();
        for (int i = 0; i < manifest.get("images").size(); i++) {
            out.add(TorchFixtures.clipImage(i));
        }
        return out;
    }

    static List<String> prompts() {
        List<String> out = new ArrayList<>();
        manifest.get("prompts").forEach(p -> out.add(p.asText()));
        return out;
    }

    /** Max |a − b| over the reference tensor, with its scale for the message. */
    static double check(String name, float[] actual, double tolerance) {
        float[] expected = reference.tensor(name).toFloatArray();
        assertEquals(expected.length, actual.length, name);
        double err = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            err = Math.max(err, Math.abs(expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        System.out.printf(Locale.ROOT, "CLIP vs transformers: %-28s max |error| %.3g (max |value| %.3g)%n", name, err, scale);
        assertTrue(err <= tolerance * Math.max(1, scale), name + ": max error " + err + " (scale " + scale + ")");
        return err;
    }

    static float[] flat(float[][] rows) {
        int d = rows[0].length;
        float[] out = new float[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * d, d);
        }
        return out;
    }

    @Test
    void tokenIdsAreTransformersOwn() {
        List<String> ps = prompts();
        for (int i = 0; i < ps.size(); i++) {
            long[] ids = clip.inputIds(ps.get(i));
            assertEquals(77, ids.length);
            JsonNode want = manifest.get("input_ids").get(i);
            JsonNode mask = manifest.get("attention_mask").get(i);
            for (int k = 0; k < ids.length; k++) {
                boolean token = k < want.size() && mask.get(k).asInt() == 1;
                // beyond the reference's padding=True width (or its masked tail) both pad with <|endoftext|>
                assertEquals(token ? want.get(k).asLong() : 913, ids[k], "prompt " + i + " position " + k);
            }
        }
        assertEquals(913, clip.inputIds(ps.get(2))[76], "a truncated prompt keeps its end token");
    }

    @Test
    void preprocessingIsCLIPImageProcessorsBitForBit() {
        ClipImageProcessor p = new ClipImageProcessor(clip.config().vision().imageSize());
        Tensor pixels = p.pixelValues(images(), PixelRange.UNIT);
        assertEquals(0.0, check("clip.pixel_values", pixels.toFloatArray(), 0));
    }

    @Test
    void towersMatchPyTorch() {
        ClipImageProcessor p = new ClipImageProcessor(clip.config().vision().imageSize());
        Path dir = tmp.resolve("clip");
        try (ClipModel m = ClipModel.load(dir)) {
            ClipVisionModel.Output out = m.visionModel().encode(p.pixelValues(images(), PixelRange.UNIT), cpu);
            check("clip.vision.last_hidden_state", out.lastHiddenState().toFloatArray(), 1e-5);
            check("clip.vision.pooler_output", out.poolerOutput().toFloatArray(), 1e-5);
            check("clip.image_embeds", out.imageEmbeds().toFloatArray(), 1e-5);
            // the text tower exactly as the reference ran it: padded to the longest row, with the attention mask
            JsonNode ids = manifest.get("input_ids");
            JsonNode mask = manifest.get("attention_mask");
            int b = ids.size();
            int l = ids.get(0).size();
            long[] iv = new long[b * l];
            long[] mv = new long[b * l];
            for (int i = 0; i < b; i++) {
                for (int k = 0; k < l; k++) {
                    iv[i * l + k] = ids.get(i).get(k).asLong();
                    mv[i * l + k] = mask.get(i).get(k).asLong();
                }
            }
            var text = m.textModel().encode(Tensor.ofLongs(Shape.of(b, l), iv), Tensor.ofLongs(Shape.of(b, l), mv), false, cpu);
            check("clip.text.pooler_output", text.poolerOutput().toFloatArray(), 1e-5);
            check("clip.text_embeds", text.textEmbeds().toFloatArray(), 1e-5);
        }
    }

    @Test
    void embeddingsAndScoresMatchPyTorch() {
        check("clip.image_embeds", flat(clip.imageEmbeds(images(), PixelRange.UNIT)), 1e-5);
        check("clip.text_embeds", flat(clip.textEmbeds(prompts())), 1e-5);
        float[][] im = clip.imageEmbeds(images(), PixelRange.UNIT);
        float[][] tx = clip.textEmbeds(prompts());
        float[] cos = new float[im.length];
        for (int i = 0; i < cos.length; i++) {
            cos[i] = (float) ClipScore.cosine(im[i], tx[i]);
        }
        check("clip.cosine", cos, 1e-5);
        double[] scores = clip.scores(images(), prompts(), PixelRange.UNIT);
        float[] f = new float[scores.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) scores[i];
        }
        check("clip.scores", f, 1e-5);
        float[] want = reference.tensor("clip.scores").toFloatArray();
        assertEquals(0.0, want[0], "the fixture has clamped pairs");
        assertTrue(want[2] > 10, "and a positive one");
        // torchmetrics' CLIPScore over the batch clamps the mean, max(mean(100·cos), 0), where ClipScore clamps each
        // pair: here the batch mean is clamped to 0 while the mean of the per-image scores is positive
        double mean = 0;
        double perImage = 0;
        for (int i = 0; i < cos.length; i++) {
            mean += 100 * ClipScore.cosine(im[i], tx[i]) / cos.length;
            perImage += scores[i] / cos.length;
        }
        check("clip.score_mean", new float[] {(float) Math.max(mean, 0)}, 1e-5);
        assertEquals(0.0, reference.tensor("clip.score_mean").toFloatArray()[0]);
        assertTrue(perImage > 5, "mean of the per-image scores " + perImage);
        // one image at a time, and in [−1, 1], gives the same score
        ChwImage img = images().get(2);
        float[] signed = img.data().clone();
        for (int i = 0; i < signed.length; i++) {
            signed[i] = 2 * signed[i] - 1;
        }
        assertEquals(scores[2], clip.score(new ChwImage(3, img.height(), img.width(), signed), prompts().get(2),
                PixelRange.SIGNED), 1e-9);
    }

    @Test
    void scoreIsHundredTimesTheClampedCosine() {
        float[] a = {1, 2, 3};
        assertEquals(100.0, ClipScore.score(a, new float[] {2, 4, 6}), 1e-9);
        assertEquals(0.0, ClipScore.score(a, new float[] {-1, -2, -3}));
        assertEquals(0.0, ClipScore.score(new float[] {1, 0}, new float[] {0, 1}));
        assertEquals(100 / Math.sqrt(2), ClipScore.score(new float[] {1, 0}, new float[] {1, 1}), 1e-9);
    }

    @Test
    void aFolderThatIsNotACLIPModelIsRefusedNamingWhatIsWrong() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipScore.load(empty, cpu));
        assertTrue(e.getMessage().contains("missing config.json, model.safetensors, vocab.json, merges.txt"), e.getMessage());
        assertTrue(e.getMessage().contains("openai/clip-vit-large-patch14"), e.getMessage());

        // a text-encoder config (no vision_config)
        Path text = TorchFixtures.writeClipModel(tmp.resolve("text-only"));
        Files.writeString(text.resolve("config.json"), "{\"architectures\": [\"CLIPTextModel\"], \"hidden_size\": 32}");
        e = assertThrows(IllegalArgumentException.class, () -> ClipScore.load(text, cpu));
        assertTrue(e.getMessage().contains("config.json: not a CLIPModel config (no 'text_config' or 'vision_config' object)"),
                e.getMessage());

        // a missing tensor and a mis-shaped one are named with the file
        Map<String, Tensor> w = new HashMap<>(TorchFixtures.weights(manifest.get("clip_model")));
        Path broken = TorchFixtures.writeClipModel(tmp.resolve("broken"));
        w.remove("visual_projection.weight");
        SafetensorsWriter.write(broken.resolve("model.safetensors"), w);
        e = assertThrows(IllegalArgumentException.class, () -> ClipScore.load(broken, cpu));
        assertTrue(e.getMessage().contains("tensor 'visual_projection.weight' is missing from"), e.getMessage());
        assertTrue(e.getMessage().contains(broken.resolve("model.safetensors").toString()), e.getMessage());

        w = new HashMap<>(TorchFixtures.weights(manifest.get("clip_model")));
        w.put("vision_model.embeddings.position_embedding.weight", Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(26, 40)));
        SafetensorsWriter.write(broken.resolve("model.safetensors"), w);
        e = assertThrows(IllegalArgumentException.class, () -> ClipScore.load(broken, cpu));
        assertTrue(e.getMessage().contains("tensor 'vision_model.embeddings.position_embedding.weight'"), e.getMessage());
        assertTrue(e.getMessage().contains("[26, 40] but the config implies [17, 40]"), e.getMessage());
    }

    @Test
    void pixelValuesOfAnyBatchAgree() {
        // batches of 4 and the remainder run through different graphs: same embeddings either way
        List<ChwImage> five = new ArrayList<>(images());
        five.addAll(images().subList(0, 2));
        float[][] all = clip.imageEmbeds(five, PixelRange.UNIT);
        float[][] three = clip.imageEmbeds(images(), PixelRange.UNIT);
        assertArrayEquals(three[0], all[3], 1e-6f);
        assertArrayEquals(three[1], all[4], 1e-6f);
    }
}
