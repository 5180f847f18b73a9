package dev.nibble.bench.metrics.imagereward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.bench.metrics.TorchFixtures;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code bench/src/test/python/make_imagereward_fixtures.py} wrote: the miniature config, the image/prompt
 * pairs with the token ids transformers gave, the reference outputs of the PyTorch re-implementation, and the
 * weights, regenerated here from each tensor's name with {@link TorchFixtures#values}.
 */
public final class ImageRewardFixtures {
    /** One scored pair of the fixture. */
    record Pair(ChwImage image, PixelRange range, String prompt, int[] inputIds, int[] attentionMask) {
    }

    private final JsonNode manifest;

    private ImageRewardFixtures(JsonNode manifest) {
        this.manifest = manifest;
    }

    static ImageRewardFixtures load() {
        try {
            return new ImageRewardFixtures(new ObjectMapper().readTree(resource("imagereward_fixtures.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ImageRewardConfig config() {
        JsonNode c = manifest.get("config");
        List<Integer> head = new ArrayList<>();
        c.get("head_sizes").forEach(n -> head.add(n.asInt()));
        return new ImageRewardConfig(c.get("image_size").asInt(), c.get("patch_size").asInt(),
                c.get("vision_width").asInt(), c.get("vision_depth").asInt(), c.get("vision_heads").asInt(),
                c.get("vision_mlp_dim").asInt(), c.get("text_hidden").asInt(), c.get("text_layers").asInt(),
                c.get("text_heads").asInt(), c.get("text_intermediate").asInt(), c.get("max_positions").asInt(),
                c.get("vocab_size").asInt(), c.get("max_length").asInt(), head, c.get("reward_mean").asDouble(),
                c.get("reward_std").asDouble());
    }

    /** name → tensor, in the manifest's order. */
    Map<String, Tensor> weights() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (JsonNode e : manifest.get("weights")) {
            int[] dims = new int[e.get("shape").size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = e.get("shape").get(i).asInt();
            }
            Shape shape = Shape.of(dims);
            String name = e.get("name").asText();
            out.put(name, Tensor.ofFloats(shape, TorchFixtures.values(name, (int) shape.numel(),
                    e.get("lo").asDouble(), e.get("hi").asDouble())));
        }
        return out;
    }

    /** The pairs; each image holds the script's bytes floor(v · 256) as b / 255 (or 2·b/255 − 1 when SIGNED). */
    List<Pair> pairs() {
        List<Pair> out = new ArrayList<>();
        for (JsonNode p : manifest.get("pairs")) {
            int h = p.get("height").asInt();
            int w = p.get("width").asInt();
            PixelRange range = PixelRange.valueOf(p.get("range").asText());
            float[] v = TorchFixtures.values(p.get("image").asText(), 3 * h * w, 0, 1);
            float[] data = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                float unit = (int) (v[i] * 256f) / 255f;
                data[i] = range == PixelRange.SIGNED ? 2f * unit - 1f : unit;
            }
            out.add(new Pair(new ChwImage(3, h, w, data), range, p.get("prompt").asText(), ints(p.get("input_ids")),
                    ints(p.get("attention_mask"))));
        }
        return out;
    }

    /** The fixture's miniature ImageReward (its deterministic weights and vocab.txt) on {@code executor}. */
    public static ImageReward model(dev.nibble.engine.exec.Executor executor) {
        ImageRewardFixtures f = load();
        return new ImageReward(f.config(), new dev.nibble.models.common.nn.MapWeights(f.weights(), "imagereward test weights"),
                ImageReward.tokenizer(vocab()), executor, null);
    }

    static SafetensorsFile outputs() {
        return SafetensorsFile.open(resource("imagereward_fixtures.safetensors"));
    }

    static Path vocab() {
        return resource("vocab.txt");
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    private static Path resource(String name) {
        try {
            return Path.of(ImageRewardFixtures.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + name + " missing: regenerate it with "
                    + "bench/src/test/python/make_imagereward_fixtures.py", e);
        }
    }
}
