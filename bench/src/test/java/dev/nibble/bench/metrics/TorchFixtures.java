package dev.nibble.bench.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The PyTorch reference outputs written by {@code bench/src/test/python/make_metric_fixtures.py}, and the
 * deterministic weights they were computed with, regenerated here from each tensor's name exactly as the
 * script draws them (splitmix64 of fnv1a64(name) + (i+1)·golden ratio, top 24 bits → uniform [lo, hi),
 * rounded to float once).
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
        JsonNode manifest;
        try {
            manifest = new ObjectMapper().readTree(resource("metric_fixtures.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Tensor> out = new HashMap<>();
        for (JsonNode e : manifest.get(network)) {
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
                    + "bench/src/test/python/make_metric_fixtures.py", e);
        }
    }
}
