package dev.nibble.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    private static final DType[] FILE_TYPES = {
        DType.F64, DType.F32, DType.F16, DType.BF16, DType.I64, DType.I32, DType.I16, DType.I8, DType.U8, DType.BOOL
    };

    @TempDir
    Path dir;

    private static Tensor random(DType dtype, Shape shape, Random rnd) {
        Tensor t = Tensor.zeros(dtype, shape);
        for (long i = 0; i < t.byteSize(); i++) {
            byte b = (byte) rnd.nextInt();
            t.data().set(ValueLayout.JAVA_BYTE, i, dtype == DType.BOOL ? (byte) (b & 1) : b);
        }
        return t;
    }

    private static Map<String, Tensor> allTypes(long seed) {
        Random rnd = new Random(seed);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (DType t : FILE_TYPES) {
            String n = t.safetensorsName().toLowerCase();
            m.put(n + ".matrix", random(t, Shape.of(3, 5), rnd));
            m.put(n + ".odd", random(t, Shape.of(1, 7, 1), rnd));
            m.put(n + ".scalar", random(t, Shape.scalar(), rnd));
            m.put(n + ".empty", random(t, Shape.of(4, 0, 2), rnd));
        }
        return m;
    }

    private static void assertSameData(Tensor expected, Tensor actual, String name) {
        assertEquals(expected.spec(), actual.spec(), name);
        assertEquals(-1, expected.data().mismatch(actual.data()), () -> name + " bytes differ");
    }

    @Test
    void everyDtypeRoundTripsWithMetadata() {
        Map<String, Tensor> in = allTypes(42);
        Map<String, String> meta = Map.of("format", "pt", "nibble.note", "ünïcode ✓", "empty", "");
        Path p = dir.resolve("all.safetensors");
        SafetensorsWriter.write(p, in, meta);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(in.keySet(), f.names());
            assertEquals(meta, f.metadata());
            for (var e : in.entrySet()) {
                assertTrue(f.contains(e.getKey()));
                assertEquals(e.getValue().spec(), f.spec(e.getKey()));
                assertSameData(e.getValue(), f.tensor(e.getKey()), e.getKey());
            }
            assertEquals(0, f.tensor("f32.empty").numel());
            assertEquals(0, f.spec("i64.scalar").shape().rank());
            assertFalse(f.contains("nope"));
        }
    }

    @Test
    void fileLayoutIsCanonical() throws IOException {
        Path p = dir.resolve("layout.safetensors");
        SafetensorsWriter.write(p, allTypes(7));
        byte[] bytes = Files.readAllBytes(p);
        long n = RawFile.lengthField(bytes);
        assertEquals(0, n % 8, "header padded to 8 bytes");
        String header = RawFile.headerText(bytes);
        assertTrue(header.startsWith("{") && header.stripTrailing().endsWith("}"));
        JsonNode root = new ObjectMapper().readTree(header);
        assertFalse(root.has("__metadata__"), "no metadata written when none was given");
        // Sorted by name, packed without gaps, ending exactly at the end of the file.
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(names::add);
        assertEquals(names.stream().sorted().toList(), names);
        long expectBegin = 0;
        for (Iterator<JsonNode> it = root.elements(); it.hasNext(); ) {
            JsonNode offsets = it.next().get("data_offsets");
            assertEquals(expectBegin, offsets.get(0).asLong());
            expectBegin = offsets.get(1).asLong();
        }
        assertEquals(bytes.length, 8 + n + expectBegin);
    }

    @Test
    void writesHeapBackedAndSlicedTensors() {
        float[] values = {1f, -2f, 3.5f, Float.NaN, 0f, -0f};
        Tensor heap = new Tensor(DType.F32, Shape.of(2, 3), MemorySegment.ofArray(values));
        Tensor native_ = Tensor.ofLongs(Shape.of(2), 1L << 40, -5L);
        Path p = dir.resolve("mixed.safetensors");
        SafetensorsWriter.write(p, Map.of("heap", heap, "native", native_));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertSameData(heap, f.tensor("heap"), "heap");
            assertEquals(List.of(1L << 40, -5L), java.util.Arrays.stream(f.tensor("native").toLongArray()).boxed().toList());
        }
    }

    @Test
    void writingReplacesAnExistingFile() {
        Path p = dir.resolve("replace.safetensors");
        SafetensorsWriter.write(p, Map.of("a", Tensor.ofFloats(Shape.of(1), 1f)));
        SafetensorsWriter.write(p, Map.of("b", Tensor.ofFloats(Shape.of(2), 2f, 3f)), Map.of("v", "2"));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("b"), List.copyOf(f.names()));
            assertEquals(Map.of("v", "2"), f.metadata());
        }
    }

    @Test
    void emptyFileRoundTrips() {
        Path p = dir.resolve("none.safetensors");
        SafetensorsWriter.write(p, Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertTrue(f.names().isEmpty());
            assertEquals(0, f.dataSize());
        }
    }

    @Test
    void tensorsAreReadOnlyAndDieWithTheFile() {
        Path p = dir.resolve("ro.safetensors");
        SafetensorsWriter.write(p, Map.of("x", Tensor.ofFloats(Shape.of(2), 1f, 2f)));
        SafetensorsFile f = SafetensorsFile.open(p);
        Tensor x = f.tensor("x");
        assertEquals(2f, x.getFloat(1));
        assertTrue(x.data().isReadOnly());
        assertThrows(IllegalArgumentException.class, () -> x.setFloat(0, 9f)); // FFM: "read-only segment"
        f.close();
        f.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> x.getFloat(0));
        assertThrows(IllegalStateException.class, () -> f.tensor("x"));
        assertEquals(DType.F32, f.spec("x").dtype(), "header info stays available");
    }

    @Test
    void rejectsUnwritableInput() {
        Path p = dir.resolve("bad.safetensors");
        Tensor int4 = Tensor.zeros(DType.INT4, Shape.of(4));
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsWriter.write(p, Map.of("q", int4)));
        assertTrue(e.getMessage().contains("bad.safetensors") && e.getMessage().contains("'q'"), e::getMessage);
        assertThrows(SafetensorsException.class,
                () -> SafetensorsWriter.write(p, Map.of("__metadata__", Tensor.ofFloats(Shape.of(1), 1f))));
        assertFalse(Files.exists(p));
    }

    @Test
    void confinedArenaTensorsCanBeWritten() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(new dev.nibble.engine.tensor.TensorSpec(DType.BF16, Shape.of(3)), arena);
            t.setFloat(2, 1.5f);
            Path p = dir.resolve("confined.safetensors");
            SafetensorsWriter.write(p, Map.of("t", t));
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals(1.5f, f.tensor("t").getFloat(2));
            }
        }
    }
}
