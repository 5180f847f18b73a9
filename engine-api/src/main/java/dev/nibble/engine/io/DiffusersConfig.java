package dev.nibble.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Typed reads from a diffusers / transformers {@code config.json}. Getters without a default require
 * the key; all getters require the right JSON type, so a typo or a changed schema fails loudly with a
 * {@link ConfigException} naming the file and key instead of yielding a silent zero. JSON {@code null}
 * (diffusers writes it for unset options) counts as absent: defaults apply and {@link #has} is false.
 */
public final class DiffusersConfig {
    private final Path path;
    private final JsonNode root;

    private DiffusersConfig(Path path, JsonNode root) {
        this.path = path;
        this.root = root;
    }

    public static DiffusersConfig read(Path file) {
        Objects.requireNonNull(file, "file");
        JsonNode root;
        try {
            root = Json.parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config: " + e.getMessage(), e);
        }
        return of(file, root);
    }

    /** Wraps an already parsed JSON object; {@code source} is used in messages. */
    public static DiffusersConfig of(Path source, JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new ConfigException(source + ": config is not a JSON object");
        }
        return new DiffusersConfig(source, root);
    }

    public Path path() {
        return path;
    }

    public JsonNode raw() {
        return root;
    }

    /** Keys present, sorted, including those whose value is null. */
    public SortedSet<String> keys() {
        TreeSet<String> out = new TreeSet<>();
        root.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** True when the key is present with a non-null value. */
    public boolean has(String key) {
        JsonNode v = root.get(key);
        return v != null && !v.isNull();
    }

    public int getInt(String key) {
        return toInt(key, required(key));
    }

    public int getInt(String key, int dflt) {
        return has(key) ? getInt(key) : dflt;
    }

    public long getLong(String key) {
        JsonNode v = required(key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw wrongType(key, "a 64-bit integer", v);
        }
        return v.longValue();
    }

    public long getLong(String key, long dflt) {
        return has(key) ? getLong(key) : dflt;
    }

    /** Any JSON number; integers are accepted because configs write e.g. {@code "scale": 1}. */
    public double getDouble(String key) {
        return toDouble(key, required(key));
    }

    public double getDouble(String key, double dflt) {
        return has(key) ? getDouble(key) : dflt;
    }

    public boolean getBoolean(String key) {
        JsonNode v = required(key);
        if (!v.isBoolean()) {
            throw wrongType(key, "a boolean", v);
        }
        return v.booleanValue();
    }

    public boolean getBoolean(String key, boolean dflt) {
        return has(key) ? getBoolean(key) : dflt;
    }

    public String getString(String key) {
        JsonNode v = required(key);
        if (!v.isTextual()) {
            throw wrongType(key, "a string", v);
        }
        return v.textValue();
    }

    public String getString(String key, String dflt) {
        return has(key) ? getString(key) : dflt;
    }

    public int[] getIntArray(String key) {
        JsonNode v = array(key);
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toInt(key + "[" + i + "]", v.get(i));
        }
        return out;
    }

    public int[] getIntArray(String key, int[] dflt) {
        return has(key) ? getIntArray(key) : dflt;
    }

    /**
     * An int-or-list option such as UNet {@code attention_head_dim} or {@code transformer_layers_per_block}:
     * a single integer is repeated {@code length} times, a list must have exactly {@code length} entries.
     */
    public int[] getIntArrayBroadcast(String key, int length) {
        JsonNode v = required(key);
        if (v.isNumber()) {
            int[] out = new int[length];
            Arrays.fill(out, toInt(key, v));
            return out;
        }
        int[] out = getIntArray(key);
        if (out.length != length) {
            throw new ConfigException(path + ": key '" + key + "' has " + out.length + " entries, expected " + length);
        }
        return out;
    }

    public double[] getDoubleArray(String key) {
        JsonNode v = array(key);
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toDouble(key + "[" + i + "]", v.get(i));
        }
        return out;
    }

    public List<String> getStringList(String key) {
        JsonNode v = array(key);
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual()) {
                throw wrongType(key + "[" + i + "]", "a string", e);
            }
            out.add(e.textValue());
        }
        return List.copyOf(out);
    }

    public List<String> getStringList(String key, List<String> dflt) {
        return has(key) ? getStringList(key) : dflt;
    }

    private JsonNode required(String key) {
        JsonNode v = root.get(key);
        if (v == null) {
            throw new ConfigException(path + ": missing required key '" + key + "'");
        }
        if (v.isNull()) {
            throw new ConfigException(path + ": key '" + key + "' is null but a value is required");
        }
        return v;
    }

    private JsonNode array(String key) {
        JsonNode v = required(key);
        if (!v.isArray()) {
            throw wrongType(key, "an array", v);
        }
        return v;
    }

    private int toInt(String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw wrongType(key, "a 32-bit integer", v);
        }
        return v.intValue();
    }

    private double toDouble(String key, JsonNode v) {
        if (!v.isNumber()) {
            throw wrongType(key, "a number", v);
        }
        return v.doubleValue();
    }

    private ConfigException wrongType(String key, String expected, JsonNode actual) {
        String shown = actual.toString();
        if (shown.length() > 80) {
            shown = shown.substring(0, 77) + "...";
        }
        return new ConfigException(path + ": key '" + key + "' should be " + expected + " but is " + shown);
    }

    @Override
    public String toString() {
        return "DiffusersConfig[" + path + "]";
    }
}
