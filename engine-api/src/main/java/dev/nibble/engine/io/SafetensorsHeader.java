package dev.nibble.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The parsed and fully validated JSON header of a safetensors file. Validation happens here, once,
 * so that later slicing of the mapped data can never go out of range.
 */
record SafetensorsHeader(SortedMap<String, TensorEntry> entries, Map<String, String> metadata) {
    static final String METADATA_KEY = "__metadata__";

    /**
     * @param file     only for messages
     * @param json     the header bytes (UTF-8 JSON, possibly padded with spaces)
     * @param dataSize bytes available after the header; every tensor must lie inside
     */
    static SafetensorsHeader parse(Path file, byte[] json, long dataSize) {
        JsonNode root;
        try {
            root = Json.parse(json);
        } catch (IOException e) {
            throw SafetensorsException.of(file, "header is " + e.getMessage(), e);
        }
        if (!root.isObject()) {
            throw SafetensorsException.of(file, "header is not a JSON object but " + root.getNodeType());
        }
        Map<String, String> metadata = Map.of();
        TreeMap<String, TensorEntry> entries = new TreeMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            if (name.equals(METADATA_KEY)) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                entries.put(name, parseEntry(file, name, field.getValue(), dataSize));
            }
        }
        checkNoOverlap(file, entries.values());
        return new SafetensorsHeader(Collections.unmodifiableSortedMap(entries), metadata);
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) {
        if (!node.isObject()) {
            throw SafetensorsException.of(file, METADATA_KEY + " is not a JSON object but " + node.getNodeType());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw SafetensorsException.of(file, METADATA_KEY + " value of key '" + e.getKey()
                        + "' is not a string but " + e.getValue().getNodeType());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorEntry parseEntry(Path file, String name, JsonNode node, long dataSize) {
        if (!node.isObject()) {
            throw SafetensorsException.ofTensor(file, name, "header entry is not a JSON object but " + node.getNodeType());
        }
        DType dtype = parseDType(file, name, required(file, name, node, "dtype"));
        int[] dims = parseShape(file, name, required(file, name, node, "shape"));
        long[] offsets = parseOffsets(file, name, required(file, name, node, "data_offsets"));
        long begin = offsets[0];
        long end = offsets[1];
        long bytes = byteSize(file, name, dtype, dims);
        if (begin > end) {
            throw SafetensorsException.ofTensor(file, name, "data_offsets begin " + begin + " is after end " + end);
        }
        if (end > dataSize) {
            throw SafetensorsException.ofTensor(file, name, "data_offsets end " + end
                    + " is past the end of the data section (" + dataSize + " bytes)");
        }
        if (end - begin != bytes) {
            throw SafetensorsException.ofTensor(file, name, dtype.safetensorsName() + " shape " + Arrays.toString(dims)
                    + " needs " + bytes + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new TensorEntry(name, new TensorSpec(dtype, Shape.of(dims)), begin, end);
    }

    private static JsonNode required(Path file, String name, JsonNode entry, String field) {
        JsonNode v = entry.get(field);
        if (v == null) {
            throw SafetensorsException.ofTensor(file, name, "missing field '" + field + "'");
        }
        return v;
    }

    private static DType parseDType(Path file, String name, JsonNode node) {
        if (!node.isTextual()) {
            throw SafetensorsException.ofTensor(file, name, "dtype is not a string but " + node.getNodeType());
        }
        String s = node.textValue();
        DType t = DType.fromSafetensorsName(s);
        // Exact spelling only (the lookup is case-insensitive); I4 is our own packed type, not a
        // safetensors one, so a file claiming it is not a file we can interpret.
        if (t == null || t == DType.INT4 || !t.safetensorsName().equals(s)) {
            throw SafetensorsException.ofTensor(file, name, "unsupported dtype '" + s + "'");
        }
        return t;
    }

    private static int[] parseShape(Path file, String name, JsonNode node) {
        if (!node.isArray()) {
            throw SafetensorsException.ofTensor(file, name, "shape is not a JSON array but " + node.getNodeType());
        }
        int[] dims = new int[node.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = node.get(i);
            if (!d.isIntegralNumber()) {
                throw SafetensorsException.ofTensor(file, name, "shape entry " + i + " is not an integer: " + d);
            }
            if (!d.canConvertToInt()) {
                throw SafetensorsException.ofTensor(file, name, "shape entry " + i + " is out of range: " + d);
            }
            if (d.intValue() < 0) {
                throw SafetensorsException.ofTensor(file, name, "shape entry " + i + " is negative: " + d);
            }
            dims[i] = d.intValue();
        }
        return dims;
    }

    private static long[] parseOffsets(Path file, String name, JsonNode node) {
        if (!node.isArray() || node.size() != 2) {
            throw SafetensorsException.ofTensor(file, name, "data_offsets is not an array of two integers: " + node);
        }
        long[] out = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode o = node.get(i);
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
                throw SafetensorsException.ofTensor(file, name, "data_offsets entry " + i + " is not a non-negative 64-bit integer: " + o);
            }
            out[i] = o.longValue();
        }
        return out;
    }

    /** Element count times element size, refusing (not wrapping) on overflow. */
    private static long byteSize(Path file, String name, DType dtype, int[] dims) {
        try {
            long n = 1;
            for (int d : dims) {
                n = Math.multiplyExact(n, d);
            }
            return Math.multiplyExact(n, dtype.bits() / 8);
        } catch (ArithmeticException e) {
            throw SafetensorsException.ofTensor(file, name, "shape " + Arrays.toString(dims) + " overflows a 64-bit byte size");
        }
    }

    /** Two tensors sharing bytes would alias silently; empty tensors occupy nothing and cannot overlap. */
    private static void checkNoOverlap(Path file, Iterable<TensorEntry> entries) {
        List<TensorEntry> sorted = new ArrayList<>();
        for (TensorEntry e : entries) {
            if (e.byteSize() > 0) {
                sorted.add(e);
            }
        }
        sorted.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        TensorEntry reach = null; // the entry ending furthest right so far
        for (TensorEntry e : sorted) {
            if (reach != null && e.begin() < reach.end()) {
                throw SafetensorsException.ofTensor(file, e.name(), "byte range [" + e.begin() + ", " + e.end()
                        + ") overlaps tensor '" + reach.name() + "' [" + reach.begin() + ", " + reach.end() + ")");
            }
            if (reach == null || e.end() > reach.end()) {
                reach = e;
            }
        }
    }
}
