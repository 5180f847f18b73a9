package dev.nibble.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a header can be wrong must surface as a SafetensorsException naming file and tensor. */
class SafetensorsMalformedTest {
    @TempDir
    Path dir;

    /** Header text with ' for " so cases stay readable. */
    private static String h(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private static final String GOOD_A = "'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}";

    private SafetensorsException assertBad(String fileName, byte[] bytes, String... fragments) throws IOException {
        Path p = dir.resolve(fileName);
        Files.write(p, bytes);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
        String msg = e.getMessage();
        assertTrue(msg.contains(fileName), () -> "message does not name the file: " + msg);
        for (String f : fragments) {
            assertTrue(msg.contains(f), () -> "message lacks '" + f + "': " + msg);
        }
        // The store must report the same problem for a single file.
        SafetensorsException viaStore = assertThrows(SafetensorsException.class, () -> SafetensorsStore.open(p).close());
        assertTrue(viaStore.getMessage().contains(fileName), viaStore::getMessage);
        return e;
    }

    private SafetensorsException assertBadHeader(String fileName, String header, int dataBytes, String... fragments)
            throws IOException {
        return assertBad(fileName, RawFile.of(h(header), dataBytes), fragments);
    }

    @Test
    void fileShorterThanLengthField() throws IOException {
        assertBad("empty.safetensors", new byte[0], "too short");
        assertBad("five.safetensors", new byte[5], "too short");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        byte[] header = h("{" + GOOD_A + "}").getBytes(StandardCharsets.UTF_8);
        assertBad("past_end.safetensors", RawFile.withLength(header.length + 9, header, 8), "header length");
        assertBad("way_past_end.safetensors", RawFile.withLength(1L << 40, header, 8), "header length");
    }

    @Test
    void absurdHeaderLengthIsRejectedBeforeAllocating() throws IOException {
        byte[] header = h("{}").getBytes(StandardCharsets.UTF_8);
        // Unsigned values >= 2^63 read as negative longs; both must be refused without allocation.
        assertBad("max_u64.safetensors", RawFile.withLength(-1L, header, 0), "18446744073709551615");
        assertBad("max_i64.safetensors", RawFile.withLength(Long.MAX_VALUE, header, 0), "header length");
        assertBad("min_i64.safetensors", RawFile.withLength(Long.MIN_VALUE, header, 0), "header length");
    }

    @Test
    void headerLargerThanLimitEvenIfFileIsThatBig() throws IOException {
        // A sparse file: big enough to hold the claimed header, which is over the 100 MiB limit.
        Path p = dir.resolve("huge_header.safetensors");
        long claimed = SafetensorsFile.MAX_HEADER_BYTES + 8;
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(8 + claimed);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(claimed).array());
        }
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().contains("huge_header.safetensors") && e.getMessage().contains("limit"), e::getMessage);
    }

    @Test
    void headerNotJson() throws IOException {
        assertBadHeader("not_json.safetensors", "{not json", 0, "not valid JSON");
        assertBadHeader("zero_length_header.safetensors", "", 0, "header");
        assertBadHeader("trailing_garbage.safetensors", "{} x", 0, "not valid JSON");
        assertBadHeader("two_objects.safetensors", "{}{}", 0, "not valid JSON");
        assertBadHeader("nan_dim.safetensors", "{'a':{'dtype':'F32','shape':[NaN],'data_offsets':[0,0]}}", 0, "not valid JSON");
        assertBad("bad_utf8.safetensors", RawFile.of(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'}, 0),
                "UTF-8");
        assertBad("utf16.safetensors", RawFile.of("{}".getBytes(StandardCharsets.UTF_16LE), 0), "header");
    }

    @Test
    void headerNotAnObject() throws IOException {
        assertBadHeader("array.safetensors", "[1, 2]", 0, "not a JSON object");
        assertBadHeader("number.safetensors", "42", 0, "not a JSON object");
        assertBadHeader("string.safetensors", "'x'", 0, "not a JSON object");
        assertBadHeader("null.safetensors", "null", 0, "not a JSON object");
    }

    @Test
    void entryWithWrongTypes() throws IOException {
        assertBadHeader("entry_number.safetensors", "{'w':5}", 0, "'w'", "not a JSON object");
        assertBadHeader("dtype_number.safetensors", "{'w':{'dtype':5,'shape':[2],'data_offsets':[0,8]}}", 8, "'w'", "dtype");
        assertBadHeader("shape_string.safetensors", "{'w':{'dtype':'F32','shape':'2','data_offsets':[0,8]}}", 8, "'w'", "shape");
        assertBadHeader("shape_nested.safetensors", "{'w':{'dtype':'F32','shape':[[2]],'data_offsets':[0,8]}}", 8, "'w'", "shape");
        assertBadHeader("offsets_string.safetensors", "{'w':{'dtype':'F32','shape':[2],'data_offsets':'0,8'}}", 8, "'w'", "data_offsets");
        assertBadHeader("offsets_one.safetensors", "{'w':{'dtype':'F32','shape':[2],'data_offsets':[8]}}", 8, "'w'", "data_offsets");
        assertBadHeader("offsets_three.safetensors", "{'w':{'dtype':'F32','shape':[2],'data_offsets':[0,8,8]}}", 8, "'w'", "data_offsets");
        assertBadHeader("offsets_float.safetensors", "{'w':{'dtype':'F32','shape':[2],'data_offsets':[0,8.0]}}", 8, "'w'", "data_offsets");
        assertBadHeader("offsets_huge.safetensors", "{'w':{'dtype':'F32','shape':[2],'data_offsets':[0,99999999999999999999999]}}", 8,
                "'w'", "data_offsets");
    }

    @Test
    void missingFields() throws IOException {
        assertBadHeader("no_dtype.safetensors", "{'w':{'shape':[2],'data_offsets':[0,8]}}", 8, "'w'", "missing field 'dtype'");
        assertBadHeader("no_shape.safetensors", "{'w':{'dtype':'F32','data_offsets':[0,8]}}", 8, "'w'", "missing field 'shape'");
        assertBadHeader("no_offsets.safetensors", "{'w':{'dtype':'F32','shape':[2]}}", 8, "'w'", "missing field 'data_offsets'");
    }

    @Test
    void unknownDtype() throws IOException {
        for (String dt : new String[] {"F8_E4M3", "Q4", "", "f32", "I4", "INT4", "float32"}) {
            String file = "dtype_" + (dt.isEmpty() ? "empty" : dt) + ".safetensors";
            assertBadHeader(file, "{'w':{'dtype':'" + dt + "','shape':[2],'data_offsets':[0,8]}}", 8, "'w'", "unsupported dtype");
        }
    }

    @Test
    void badShapeDimensions() throws IOException {
        assertBadHeader("negative_dim.safetensors", "{'w':{'dtype':'F32','shape':[-2],'data_offsets':[0,8]}}", 8, "'w'", "negative");
        assertBadHeader("float_dim.safetensors", "{'w':{'dtype':'F32','shape':[2.5],'data_offsets':[0,10]}}", 10, "'w'", "not an integer");
        assertBadHeader("exp_dim.safetensors", "{'w':{'dtype':'F32','shape':[1e30],'data_offsets':[0,8]}}", 8, "'w'", "not an integer");
        assertBadHeader("bool_dim.safetensors", "{'w':{'dtype':'F32','shape':[true],'data_offsets':[0,4]}}", 4, "'w'", "not an integer");
        assertBadHeader("big_dim.safetensors", "{'w':{'dtype':'U8','shape':[4294967296],'data_offsets':[0,8]}}", 8, "'w'", "out of range");
        assertBadHeader("overflow.safetensors",
                "{'w':{'dtype':'F64','shape':[2147483647,2147483647,2147483647],'data_offsets':[0,8]}}", 8, "'w'", "overflows");
    }

    @Test
    void sizeDoesNotMatchOffsets() throws IOException {
        assertBadHeader("short_span.safetensors", "{'w':{'dtype':'F32','shape':[3],'data_offsets':[0,8]}}", 12, "'w'", "needs 12 bytes");
        assertBadHeader("long_span.safetensors", "{'w':{'dtype':'BF16','shape':[2,2],'data_offsets':[0,12]}}", 12, "'w'", "needs 8 bytes");
        assertBadHeader("scalar_span.safetensors", "{'w':{'dtype':'I64','shape':[],'data_offsets':[0,4]}}", 8, "'w'", "needs 8 bytes");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        assertBadHeader("end_past_data.safetensors", "{'w':{'dtype':'F32','shape':[2],'data_offsets':[4,12]}}", 8, "'w'", "past the end");
        assertBadHeader("begin_after_end.safetensors", "{'w':{'dtype':'F32','shape':[2],'data_offsets':[8,0]}}", 8, "'w'", "after end");
        assertBadHeader("negative_offset.safetensors", "{'w':{'dtype':'F32','shape':[2],'data_offsets':[-8,0]}}", 8, "'w'", "data_offsets");
        assertBadHeader("empty_past_data.safetensors", "{'w':{'dtype':'F32','shape':[0],'data_offsets':[9,9]}}", 8, "'w'", "past the end");
    }

    @Test
    void overlappingTensors() throws IOException {
        SafetensorsException e = assertBadHeader("overlap.safetensors",
                "{" + GOOD_A + ",'b':{'dtype':'F32','shape':[2],'data_offsets':[4,12]}}", 12, "overlaps");
        assertTrue(e.getMessage().contains("'a'") && e.getMessage().contains("'b'"), e::getMessage);
        assertBadHeader("same_range.safetensors",
                "{" + GOOD_A + ",'b':{'dtype':'I32','shape':[2],'data_offsets':[0,8]}}", 8, "overlaps", "'a'", "'b'");
        assertBadHeader("contained.safetensors",
                "{'big':{'dtype':'U8','shape':[16],'data_offsets':[0,16]},'small':{'dtype':'U8','shape':[2],'data_offsets':[14,16]}}",
                16, "overlaps", "'big'", "'small'");
    }

    @Test
    void duplicateTensorNames() throws IOException {
        assertBadHeader("duplicate.safetensors", "{" + GOOD_A + "," + GOOD_A.replace("0,8", "8,16") + "}", 16, "Duplicate", "a");
    }

    @Test
    void badMetadata() throws IOException {
        assertBadHeader("meta_array.safetensors", "{'__metadata__':['pt']," + GOOD_A + "}", 8, "__metadata__");
        assertBadHeader("meta_number.safetensors", "{'__metadata__':{'format':'pt','n':3}," + GOOD_A + "}", 8, "__metadata__", "'n'");
        assertBadHeader("meta_nested.safetensors", "{'__metadata__':{'x':{'y':'z'}}}", 0, "__metadata__", "'x'");
        assertBadHeader("meta_null.safetensors", "{'__metadata__':null}", 0, "__metadata__");
    }

    @Test
    void missingFileIsASafetensorsException() {
        Path p = dir.resolve("nope.safetensors");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().contains("nope.safetensors"), e::getMessage);
    }

    @Test
    void unknownTensorNameIsReported() throws IOException {
        Path p = dir.resolve("ok.safetensors");
        Files.write(p, RawFile.of(h("{" + GOOD_A + "}"), 8));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.tensor("zz"));
            assertTrue(e.getMessage().contains("ok.safetensors") && e.getMessage().contains("'zz'"), e::getMessage);
            assertThrows(SafetensorsException.class, () -> f.spec("zz"));
        }
    }

    @Test
    void legalOddities() throws IOException {
        // Zero-size tensors may share an offset, gaps and trailing bytes are tolerated, padding is whitespace.
        Path p = dir.resolve("odd.safetensors");
        Files.write(p, RawFile.of(h("{'e1':{'dtype':'F32','shape':[0,5],'data_offsets':[4,4]},"
                + "'e2':{'dtype':'I8','shape':[3,0],'data_offsets':[4,4]},"
                + "'b':{'dtype':'U8','shape':[2],'data_offsets':[6,8]}}        "), 12));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(3, f.names().size());
            assertEquals(0, f.tensor("e1").byteSize());
            assertEquals(7, f.tensor("b").getLong(1));
            assertTrue(f.metadata().isEmpty());
        }
    }
}
