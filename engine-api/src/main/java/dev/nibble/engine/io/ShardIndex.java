package dev.nibble.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A Hugging Face {@code *.safetensors.index.json}: {"metadata": {...}, "weight_map": {tensor: shard}}.
 * Shard names are resolved against the index's folder and must stay inside it.
 */
record ShardIndex(Path file, SortedMap<String, Path> weightMap, Map<String, String> metadata) {
    static final String SUFFIX = ".safetensors.index.json";

    static ShardIndex read(Path file) {
        JsonNode root;
        try {
            root = Json.parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw SafetensorsException.of(file, "cannot read shard index: " + e.getMessage(), e);
        }
        if (!root.isObject()) {
            throw SafetensorsException.of(file, "shard index is not a JSON object");
        }
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw SafetensorsException.of(file, "shard index has no \"weight_map\" object");
        }
        Path dir = file.toAbsolutePath().normalize().getParent();
        TreeMap<String, Path> weights = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw SafetensorsException.ofTensor(file, e.getKey(), "weight_map value is not a shard file name: " + e.getValue());
            }
            weights.put(e.getKey(), resolveShard(file, dir, e.getKey(), e.getValue().textValue()));
        }
        return new ShardIndex(file, Collections.unmodifiableSortedMap(weights), readMetadata(file, root.get("metadata")));
    }

    private static Path resolveShard(Path file, Path dir, String tensor, String shard) {
        try {
            Path p = dir.resolve(shard).normalize();
            // An index must not point outside its model folder (absolute paths, "../").
            if (shard.isEmpty() || !p.startsWith(dir) || p.equals(dir)) {
                throw SafetensorsException.ofTensor(file, tensor, "shard '" + shard + "' is not a file inside " + dir);
            }
            return p;
        } catch (InvalidPathException e) {
            throw SafetensorsException.ofTensor(file, tensor, "shard name '" + shard + "' is not a valid path", e);
        }
    }

    /** Index metadata holds numbers too (total_size); they are kept as their JSON text. */
    private static Map<String, String> readMetadata(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw SafetensorsException.of(file, "shard index \"metadata\" is not a JSON object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
        }
        return Collections.unmodifiableMap(out);
    }
}
