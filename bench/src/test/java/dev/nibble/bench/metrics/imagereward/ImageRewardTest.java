package dev.nibble.bench.metrics.imagereward;

import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;
import dev.nibble.models.common.nn.MapWeights;
import dev.nibble.models.common.tokenizer.BertWordPieceTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ImageReward on a miniature network (32 px images, 8 px patches, ViT width 48 × 2 blocks × 4 heads, BERT hidden
 * 40 × 2 layers × 4 heads with cross-attention, a 31-token vocabulary, prompts of 12 ids, MLP 40-24-12-8-4-1)
 * against make_imagereward_fixtures.py. The reference forward pass there is a PyTorch re-implementation of
 * ImageReward/BLIP (the real packages are not installable here); its preprocessing is torchvision's and Pillow's
 * own code, and its token ids are transformers' BertTokenizer's.
 */
class ImageRewardTest {
    static Executor cpu;
    static ImageRewardFixtures fixtures;
    static ImageRewardConfig config;
    static Map<String, Tensor> weights;
    static List<ImageRewardFixtures.Pair> pairs;
    static BertWordPieceTokenizer tokenizer;

    @BeforeAll
    static void load() {
        cpu = new Executor(Backends.discover().cpu(), null, ExecutionOptions.DEFAULT);
        fixtures = ImageRewardFixtures.load();
        config = fixtures.config();
        weights = fixtures.weights();
        pairs = fixtures.pairs();
        tokenizer = ImageReward.tokenizer(ImageRewardFixtures.vocab());
    }

    private static ImageReward model(Map<String, Tensor> w) {
        return new ImageReward(config, new MapWeights(w, "imagereward test weights"), tokenizer, cpu, null);
    }

    private static List<ChwImage> images() {
        return pairs.stream().map(ImageRewardFixtures.Pair::image).toList();
    }

    private static List<String> prompts() {
        return pairs.stream().map(ImageRewardFixtures.Pair::prompt).toList();
    }

    @Test
    void preprocessingIsTorchvisionsExactly() {
        // Pillow's 8-bit bicubic (45x53 shrunk to 32x37, 77x50 to 49x32, 20x27 enlarged to 32x43, 32x32 kept),
        // crops at round-half-even offsets, ToTensor and Normalize: the same float32 values, bit for bit.
        try (ImageReward ir = model(weights); SafetensorsFile ref = ImageRewardFixtures.outputs()) {
            float[] want = ref.tensor("pixels").toFloatArray();
            int plane = 3 * config.imageSize() * config.imageSize();
            for (int i = 0; i < pairs.size(); i++) {
                float[] got = ir.preprocess(pairs.get(i).image(), pairs.get(i).range());
                assertArrayEquals(java.util.Arrays.copyOfRange(want, i * plane, (i + 1) * plane), got, 0f, "image " + i);
            }
        }
    }

    @Test
    void promptsTokeniseAsTransformersDoes() {
        try (ImageReward ir = model(weights)) {
            var batch = ir.tokenize(prompts());
            for (int i = 0; i < pairs.size(); i++) {
                assertArrayEquals(pairs.get(i).inputIds(), batch.inputIds()[i], "ids of " + pairs.get(i).prompt());
                assertArrayEquals(pairs.get(i).attentionMask(), batch.attentionMask()[i], "mask of " + pairs.get(i).prompt());
            }
        }
    }

    @Test
    void encodersAndRewardsMatchThePyTorchReference() {
        double[] got;
        ImageReward.Forward f;
        try (ImageReward ir = model(weights); SafetensorsFile ref = ImageRewardFixtures.outputs()) {
            List<float[]> pixels = new ArrayList<>();
            for (var p : pairs) {
                pixels.add(ir.preprocess(p.image(), p.range()));
            }
            f = ir.forward(pixels, prompts());
            // all four pairs in one batch of ImageReward.BATCH; pair 2 is a SIGNED image, scored on its own below
            got = ir.score(images(), PixelRange.UNIT, prompts());
            double embedErr = maxAbsDiff(ref.tensor("image_embeds").toFloatArray(), f.imageEmbeds());
            double featureErr = maxAbsDiff(ref.tensor("text_features").toFloatArray(), f.features());
            float[] want = ref.tensor("rewards").toFloatArray();
            double[] exact = new double[pairs.size()];
            for (int i = 0; i < pairs.size(); i++) {
                var p = pairs.get(i);
                exact[i] = ir.score(p.image(), p.range(), p.prompt());
            }
            double rewardErr = 0;
            for (int i = 0; i < want.length; i++) {
                rewardErr = Math.max(rewardErr, Math.abs(want[i] - exact[i]));
            }
            System.out.printf("ImageReward vs PyTorch re-implementation: max |err| image embeds %.3g, text features "
                    + "%.3g, rewards %.3g (rewards %s)%n", embedErr, featureErr, rewardErr, java.util.Arrays.toString(want));
            assertTrue(embedErr < 1e-4, "image embeddings: max |error| " + embedErr);
            assertTrue(featureErr < 1e-4, "text features: max |error| " + featureErr);
            assertTrue(rewardErr < 1e-5, "rewards: max |error| " + rewardErr);
            // the pairs give clearly different rewards, so the comparison means something
            assertTrue(Math.abs(want[0] - want[1]) > 0.05 && Math.abs(want[1] - want[2]) > 0.05);
            for (int i : new int[] {0, 1, 3}) {
                assertEquals(exact[i], got[i], 1e-6, "pair " + i + " batched");
            }
        }
    }

    @Test
    void batchesOfFourMatchSingleImages() {
        List<ChwImage> imgs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            imgs.add(pairs.get(i % 2).image());
        }
        try (ImageReward ir = model(weights)) {
            double[] batched = ir.score(imgs, PixelRange.UNIT, "a red cat");
            for (int i = 0; i < imgs.size(); i++) {
                assertEquals(ir.score(imgs.get(i), PixelRange.UNIT, "a red cat"), batched[i], 1e-5, "image " + i);
            }
            assertEquals(batched[0], batched[2], 1e-6);
        }
    }

    @Test
    void loadsACheckpointFileAndVocab(@TempDir Path dir) {
        Path file = dir.resolve("imagereward.safetensors");
        Map<String, Tensor> withExtras = new HashMap<>(weights);
        // tensors ImageReward.pt also holds but the score does not use
        withExtras.put("blip.text_encoder.embeddings.position_ids", Tensor.ofLongs(Shape.of(1, 3), 0, 1, 2));
        withExtras.put("blip.vision_proj.weight", Tensor.ofFloats(Shape.of(2, 2), 1, 2, 3, 4));
        SafetensorsWriter.write(file, withExtras);
        var p = pairs.get(0);
        try (ImageReward ir = ImageReward.load(file, ImageRewardFixtures.vocab(), cpu, config);
             ImageReward mem = model(weights)) {
            assertEquals(mem.score(p.image(), p.range(), p.prompt()), ir.score(p.image(), p.range(), p.prompt()), 0);
        }
    }

    @Test
    void aMissingOrMisShapedTensorIsNamed() {
        for (String name : List.of("blip.text_encoder.encoder.layer.1.crossattention.self.key.weight",
                "blip.visual_encoder.blocks.0.attn.qkv.bias", "mlp.layers.7.bias", "blip.visual_encoder.pos_embed")) {
            Map<String, Tensor> missing = new HashMap<>(weights);
            missing.remove(name);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model(missing));
            assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
        }
        Map<String, Tensor> wrong = new HashMap<>(weights);
        String key = "blip.text_encoder.encoder.layer.0.crossattention.self.value.weight";
        wrong.put(key, wrong.get("blip.text_encoder.encoder.layer.0.attention.self.value.weight"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model(wrong));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains("[40, 48]"), e.getMessage());

        Map<String, Tensor> cls = new HashMap<>(weights);
        cls.put("blip.visual_encoder.cls_token", Tensor.ofFloats(Shape.of(1, 48), new float[48]));
        e = assertThrows(IllegalArgumentException.class, () -> model(cls));
        assertTrue(e.getMessage().contains("blip.visual_encoder.cls_token") && e.getMessage().contains("[1, 1, 48]"),
                e.getMessage());
    }

    @Test
    void rejectsAVocabularyLargerThanTheEmbeddings() {
        ImageRewardConfig small = new ImageRewardConfig(config.imageSize(), config.patchSize(), config.visionWidth(),
                config.visionDepth(), config.visionHeads(), config.visionMlpDim(), config.textHidden(),
                config.textLayers(), config.textHeads(), config.textIntermediate(), config.maxPositions(),
                tokenizer.size() - 1, config.maxLength(), config.headSizes(), 0, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageReward(small, new MapWeights(weights, "w"), tokenizer, cpu, null));
        assertTrue(e.getMessage().contains("vocabulary"), e.getMessage());
        try (ImageReward ir = model(weights)) {
            assertThrows(IllegalArgumentException.class,
                    () -> ir.score(new ChwImage(1, 8, 8, new float[64]), PixelRange.UNIT, "a"));
        }
    }

    @Test
    void defaultsAreImageRewardV1() {
        ImageRewardConfig v1 = ImageRewardConfig.V1_0;
        assertEquals(197, v1.imageTokens());
        assertEquals(List.of(1024, 128, 64, 16, 1), v1.headSizes());
        assertEquals(30524, v1.vocabSize());
        assertEquals(35, v1.maxLength());
        // BLIP's added tokens take the ids after bert-base-uncased's 30522
        assertEquals(List.of("[DEC]", "[ENC]"), ImageReward.ADDED_TOKENS);
        assertEquals(31, tokenizer.size());
        assertEquals(30, tokenizer.tokenId("[ENC]"));
    }

    private static double maxAbsDiff(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        double m = 0;
        for (int i = 0; i < want.length; i++) {
            m = Math.max(m, Math.abs(want[i] - got[i]));
        }
        return m;
    }
}
