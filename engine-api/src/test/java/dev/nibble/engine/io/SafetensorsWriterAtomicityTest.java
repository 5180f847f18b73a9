package dev.nibble.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed write must leave neither a partial target nor a stray temporary file. */
class SafetensorsWriterAtomicityTest {
    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A tensor whose memory is already freed: reading it fails after earlier tensors were written. */
    private static Tensor deadTensor() {
        Arena arena = Arena.ofConfined();
        Tensor t = Tensor.allocate(new TensorSpec(DType.F32, Shape.of(1024)), arena);
        arena.close();
        return t;
    }

    private static Map<String, Tensor> failingMidway() {
        Map<String, Tensor> m = new TreeMap<>();
        m.put("a.first", Tensor.ofFloats(Shape.of(3), 1f, 2f, 3f));
        m.put("z.last", deadTensor()); // sorted last, so header and "a.first" are already on disk
        return m;
    }

    @Test
    void failureMidwayLeavesNothing() throws IOException {
        Path target = dir.resolve("out.safetensors");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsWriter.write(target, failingMidway()));
        assertTrue(e.getMessage().contains("out.safetensors"), e::getMessage);
        assertEquals(List.of(), listing());
    }

    @Test
    void failureMidwayKeepsThePreviousVersion() throws IOException {
        Path target = dir.resolve("keep.safetensors");
        SafetensorsWriter.write(target, Map.of("old", Tensor.ofFloats(Shape.of(1), 7f)));
        byte[] before = Files.readAllBytes(target);
        assertThrows(SafetensorsException.class, () -> SafetensorsWriter.write(target, failingMidway()));
        assertEquals(List.of("keep.safetensors"), listing());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(target)));
    }

    @Test
    void missingDirectoryIsAnError() throws IOException {
        Path target = dir.resolve("no/such/dir/out.safetensors");
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> SafetensorsWriter.write(target, Map.of("a", Tensor.ofFloats(Shape.of(1), 1f))));
        assertTrue(e.getMessage().contains("out.safetensors"), e::getMessage);
        assertFalse(Files.exists(target));
        assertEquals(List.of(), listing());
    }

    @Test
    void targetThatIsADirectoryIsAnErrorAndLeavesNoTemp() throws IOException {
        Path target = dir.resolve("occupied.safetensors");
        Files.createDirectory(target);
        Files.writeString(target.resolve("child"), "x"); // a non-empty directory cannot be replaced
        assertThrows(SafetensorsException.class,
                () -> SafetensorsWriter.write(target, Map.of("a", Tensor.ofFloats(Shape.of(1), 1f))));
        assertEquals(List.of("occupied.safetensors"), listing());
        assertTrue(Files.isDirectory(target));
    }
}
