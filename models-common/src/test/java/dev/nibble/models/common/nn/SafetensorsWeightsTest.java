package dev.nibble.models.common.nn;

import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsWeightsTest {
    @TempDir
    Path tmp;

    @Test
    void readsShardedFolderAndTracksUse() throws Exception {
        SafetensorsWriter.write(tmp.resolve("model-00001-of-00002.safetensors"),
                Map.of("a.weight", Tensor.ofFloats(Shape.of(2), 1f, 2f)));
        SafetensorsWriter.write(tmp.resolve("model-00002-of-00002.safetensors"),
                Map.of("b.weight", Tensor.ofFloats(Shape.of(1), 3f)));
        Files.writeString(tmp.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 12}, "weight_map": {
                  "a.weight": "model-00001-of-00002.safetensors",
                  "b.weight": "model-00002-of-00002.safetensors"}}""");
        Files.writeString(tmp.resolve("config.json"), "{\"hidden_size\": 2}");
        try (ComponentFolder f = ComponentFolder.open(tmp)) {
            assertEquals(2, f.config().getInt("hidden_size"));
            SafetensorsWeights w = f.weights();
            assertEquals(Set.of("a.weight", "b.weight"), w.names());
            assertArrayEquals(new float[] {1f, 2f}, w.get("a.weight").toFloatArray());
            assertSame(w.get("a.weight"), w.get("a.weight"), "one tensor object per name (tied weights dedup)");
            assertEquals(Set.of("b.weight"), w.unused());
            assertEquals(3f, w.under("b").get("weight").getFloat(0));
            assertEquals("b.weight", w.under("b").fullName("weight"));
            MissingWeightException e = assertThrows(MissingWeightException.class, () -> w.under("c").get("weight"));
            assertTrue(e.getMessage().contains("'c.weight'") && e.getMessage().contains("model.safetensors.index.json"),
                    e.getMessage());
        }
    }

    @Test
    void folderWithoutConfigIsAClearError() throws Exception {
        SafetensorsWriter.write(tmp.resolve("model.safetensors"), Map.of("a", Tensor.ofFloats(Shape.of(1), 1f)));
        ConfigException e = assertThrows(ConfigException.class, () -> ComponentFolder.open(tmp));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }
}
