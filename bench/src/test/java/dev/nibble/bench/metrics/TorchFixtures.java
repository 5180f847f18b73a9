package dev.nibble.bench.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The PyTorch reference outputs written by {@code bench/src/test/python/make_metric_fixtures.py} (FID
 * Inception, LPIPS) and {@code make_clip_fixtures.py} (CLIP), and the deterministic weights they were computed
 * with, regenerated here from each tensor's name exactly as the scripts draw them (splitmix64 of
 * fnv1a64(name) + (i+1)·golden ratio, top 24 bits → uniform [lo, hi), rounded to float once).
 */
public final class TorchFixtures {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private TorchFixtures() {
    }

    /** The reference outputs (fid.features.small, fid.features.large, lpips.distance, ...). */
    public static SafetensorsFile outputs() {
        return SafetensorsFile.open(resource("metric_fixtures.safetensors"));
    }

    /** name → tensor for one network of the manifest ("fid_inception" or "lpips_alex"). */
    public static Map<String, Tensor> weights(String network) {
        return weights(json("metric_fixtures.json").get(network));
    }

    /** The CLIP fixture: config, images, prompts, token ids and the weight manifest ("clip_model"). */
    public static JsonNode clipManifest() {
        return json("clip_fixtures.json");
    }

    /** The CLIP reference outputs (clip.pixel_values, clip.image_embeds, clip.text_embeds, clip.scores, ...). */
    public static SafetensorsFile clipOutputs() {
        return SafetensorsFile.open(resource("clip_fixtures.safetensors"));
    }

    /** The tokenizer the CLIP fixture's ids come from (golden/models/flux_dev/tokenizer; -Dnibble.shared). */
    public static Path clipTokenizerDir() {
        Path shared = Path.of(System.getProperty("nibble.shared", "../../shared"));
        Path dir = shared.resolve(clipManifest().get("tokenizer").asText());
        if (!Files.isRegularFile(dir.resolve("vocab.json"))) {
            throw new IllegalStateException("golden tokenizer not found at " + dir + " (pass -Dnibble.shared)");
        }
        return dir;
    }

    /**
     * Writes the CLIP fixture as a Hugging Face CLIPModel folder into {@code dir}: config.json, model.safetensors
     * (the regenerated weights, written by the engine's SafetensorsWriter) and the tokenizer files.
     */
    public static Path writeClipModel(Path dir) {
        JsonNode m = clipManifest();
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), new ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(m.get("config")));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), weights(m.get("clip_model")));
            Path tok = clipTokenizerDir();
            for (String f : new String[] {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
                if (Files.isRegularFile(tok.resolve(f))) {
                    Files.copy(tok.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Test image {@code i} of the CLIP fixture: floor(values(name, n, lo, hi)) clamped to 255, as k/255 in [0, 1]. */
    public static ChwImage clipImage(int i) {
        JsonNode e = clipManifest().get("images").get(i);
        int c = e.get("shape").get(0).asInt();
        int h = e.get("shape").get(1).asInt();
        int w = e.get("shape").get(2).asInt();
        float[] v = values(e.get("name").asText(), c * h * w, e.get("lo").asDouble(), e.get("hi").asDouble());
        for (int k = 0; k < v.length; k++) {
            v[k] = (float) Math.min(Math.floor(v[k]), 255) / 255f;
        }
        return new ChwImage(c, h, w, v);
    }

    private static JsonNode json(String name) {
        try {
            return new ObjectMapper().readTree(resource(name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** name → tensor for a manifest list of {name, shape, lo, hi}. */
    public static Map<String, Tensor> weights(JsonNode list) {
        Map<String, Tensor> out = new HashMap<>();
        for (JsonNode e : list) {
            int[] dims = new int[e.get("shape").size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = e.get("shape").get(i).asInt();
            }
            Shape shape = Shape.of(dims);
            String name = e.get("name").asText();
            out.put(name, Tensor.ofFloats(shape, values(name, (int) shape.numel(), e.get("lo").asDouble(),
                    e.get("hi").asDouble())));
        }
        return out;
    }

    /** The script's {@code values(name, n, lo, hi)}. */
    public static float[] values(String name, int n, double lo, double hi) {
        long h = fnv1a64(name);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            long z = h + (i + 1L) * GOLDEN;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            double u = (z >>> 40) / (double) (1 << 24);
            out[i] = (float) (lo + (hi - lo) * u);
        }
        return out;
    }

    private static long fnv1a64(String s) {
        long h = 0xCBF29CE484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001B3L;
        }
        return h;
    }

    private static Path resource(String name) {
        try {
            return Path.of(TorchFixtures.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + name + " missing: regenerate it with "
                    + "bench/src/test/python/make_metric_fixtures.py or make_clip_fixtures.py", e);
        }
    }
}
