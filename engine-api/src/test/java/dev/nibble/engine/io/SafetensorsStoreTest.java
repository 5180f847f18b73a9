package dev.nibble.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsStoreTest {
    private static final String S1 = "model-00001-of-00002.safetensors";
    private static final String S2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    @BeforeEach
    void twoShards() {
        SafetensorsWriter.write(dir.resolve(S1), Map.of(
                "a", Tensor.ofFloats(Shape.of(2), 1f, 2f),
                "b", Tensor.ofLongs(Shape.of(1), 42L)), Map.of("format", "pt"));
        SafetensorsWriter.write(dir.resolve(S2), Map.of("c", Tensor.ofFloats(Shape.of(1, 1), 3f)), Map.of("format", "pt"));
    }

    private Path index(String name, String weightMap) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, ("{'metadata': {'total_size': 20, 'note': 'x'}, 'weight_map': {" + weightMap + "}}").replace('\'', '"'));
        return p;
    }

    private static String entry(String tensor, String shard) {
        return "'" + tensor + "': '" + shard + "'";
    }

    private SafetensorsException assertBadIndex(String weightMap, String... fragments) throws IOException {
        Path p = index("model.safetensors.index.json", weightMap);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsStore.open(dir).close());
        assertTrue(e.getMessage().contains(p.getFileName().toString()), e::getMessage);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "lacks '" + f + "': " + e.getMessage());
        }
        return e;
    }

    @Test
    void readsAcrossShardsThroughTheIndex() throws IOException {
        Path idx = index("model.safetensors.index.json", String.join(",", entry("a", S1), entry("b", S1), entry("c", S2)));
        for (Path open : List.of(dir, idx)) {
            try (SafetensorsStore w = SafetensorsStore.open(open)) {
                assertEquals(idx.toAbsolutePath().normalize(), w.path().toAbsolutePath().normalize());
                assertEquals(List.of("a", "b", "c"), List.copyOf(w.names()));
                assertEquals(2, w.files().size());
                assertEquals(2f, w.tensor("a").getFloat(1));
                assertEquals(42L, w.tensor("b").getLong(0));
                assertEquals(Shape.of(1, 1), w.spec("c").shape());
                assertEquals(Map.of("total_size", "20", "note", "x"), w.metadata());
                SafetensorsException e = assertThrows(SafetensorsException.class, () -> w.tensor("d"));
                assertTrue(e.getMessage().contains("'d'") && e.getMessage().contains("index.json"), e::getMessage);
            }
        }
    }

    @Test
    void tensorsDieWithTheStore() throws IOException {
        index("model.safetensors.index.json", String.join(",", entry("a", S1), entry("b", S1), entry("c", S2)));
        SafetensorsStore w = SafetensorsStore.open(dir);
        Tensor c = w.tensor("c");
        w.close();
        assertThrows(IllegalStateException.class, () -> c.getFloat(0));
    }

    @Test
    void missingShard() throws IOException {
        assertBadIndex(String.join(",", entry("a", S1), entry("b", S1), entry("c", "model-00003-of-00003.safetensors")),
                "model-00003-of-00003.safetensors", "missing", "'c'");
    }

    @Test
    void indexedTensorAbsentFromItsShard() throws IOException {
        assertBadIndex(String.join(",", entry("a", S1), entry("b", S1), entry("c", S2), entry("ghost", S2)),
                "'ghost'", S2, "does not contain");
        // Listed under the wrong shard.
        assertBadIndex(String.join(",", entry("a", S2), entry("b", S1), entry("c", S2)), "'a'", S2);
    }

    @Test
    void tensorDuplicatedAcrossShards() throws IOException {
        SafetensorsWriter.write(dir.resolve(S2), Map.of(
                "a", Tensor.ofFloats(Shape.of(2), 9f, 9f),
                "c", Tensor.ofFloats(Shape.of(1, 1), 3f)));
        assertBadIndex(String.join(",", entry("a", S1), entry("b", S1), entry("c", S2)), "'a'", "two shards", S1, S2);
    }

    @Test
    void malformedIndexes() throws IOException {
        assertBadIndex(entry("a", "../outside.safetensors"), "'a'", "inside");
        assertBadIndex(entry("a", "/etc/passwd"), "'a'", "inside");
        assertBadIndex(entry("a", ""), "'a'");
        assertBadIndex("'a': 5", "'a'", "shard file name");
        assertBadIndex(entry("a", S1) + "," + entry("a", S2), "Duplicate");

        Path p = dir.resolve("model.safetensors.index.json");
        for (String bad : new String[] {"{", "[]", "{}", "{\"weight_map\": []}", "{\"weight_map\": {}, \"metadata\": 3}"}) {
            Files.writeString(p, bad);
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsStore.open(dir), bad);
            assertTrue(e.getMessage().contains("model.safetensors.index.json"), e::getMessage);
        }
    }

    @Test
    void folderResolution() throws IOException {
        // Two non-standard files and no index: ambiguous.
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsStore.open(dir));
        assertTrue(e.getMessage().contains("several"), e::getMessage);

        Path single = Files.createDirectory(dir.resolve("single"));
        SafetensorsWriter.write(single.resolve("weights.safetensors"), Map.of("w", Tensor.ofFloats(Shape.of(1), 5f)));
        try (SafetensorsStore w = SafetensorsStore.open(single)) {
            assertEquals(5f, w.tensor("w").getFloat(0));
        }
        // A standard name wins over other files in the folder.
        SafetensorsWriter.write(single.resolve("diffusion_pytorch_model.safetensors"), Map.of("std", Tensor.ofFloats(Shape.of(1), 6f)));
        try (SafetensorsStore w = SafetensorsStore.open(single)) {
            assertEquals(List.of("std"), List.copyOf(w.names()));
        }

        Path empty = Files.createDirectory(dir.resolve("empty"));
        e = assertThrows(SafetensorsException.class, () -> SafetensorsStore.open(empty));
        assertTrue(e.getMessage().contains("empty") && e.getMessage().contains("no .safetensors"), e::getMessage);
    }
}
