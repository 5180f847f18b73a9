package dev.nibble.models.common.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the files a transformers {@code save_pretrained} tokenizer folder holds
 * ({@code tokenizer_config.json}, {@code special_tokens_map.json}, ...) with errors that name the file.
 */
final class TokenizerFiles {
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    static final String ADDED_TOKENS = "added_tokens.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFiles() {}

    static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw TokenizerException.forFile(file, "file not found", e);
        } catch (IOException e) {
            throw TokenizerException.forFile(file, "cannot read: " + e.getMessage(), e);
        }
    }

    static String readText(Path file) {
        return new String(readBytes(file), StandardCharsets.UTF_8);
    }

    static JsonNode readJson(Path file) {
        try {
            JsonNode node = JSON.readTree(readBytes(file));
            if (node == null || node.isMissingNode()) {
                throw TokenizerException.forFile(file, "empty JSON file");
            }
            return node;
        } catch (JacksonException e) {
            throw TokenizerException.forFile(file, "malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw TokenizerException.forFile(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** An optional file: a missing file reads as {@link MissingNode}, a broken one still fails. */
    static JsonNode readOptionalJson(Path file) {
        return Files.exists(file) ? readJson(file) : MissingNode.getInstance();
    }

    /** A special-token entry is either a plain string or an AddedToken object with "content". */
    static String tokenContent(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        JsonNode content = node.get("content");
        return content != null && content.isTextual() ? content.asText() : null;
    }

    /**
     * The special token named {@code key}; special_tokens_map.json wins over tokenizer_config.json,
     * as it does when transformers loads a folder.
     */
    static String specialToken(JsonNode specialMap, JsonNode config, String key, String fallback) {
        String v = tokenContent(specialMap.path(key));
        if (v == null) {
            v = tokenContent(config.path(key));
        }
        return v != null ? v : fallback;
    }

    /** {@code additional_special_tokens} from either file (special map first). */
    static List<String> additionalSpecialTokens(JsonNode specialMap, JsonNode config) {
        JsonNode list = specialMap.path("additional_special_tokens");
        if (!list.isArray()) {
            list = config.path("additional_special_tokens");
        }
        List<String> out = new ArrayList<>();
        if (list.isArray()) {
            for (JsonNode n : list) {
                String s = tokenContent(n);
                if (s != null) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** {@code model_max_length}; absent or astronomically large (transformers' 1e30) means unbounded. */
    static int modelMaxLength(JsonNode config) {
        JsonNode n = config.path("model_max_length");
        if (!n.isNumber()) {
            return Integer.MAX_VALUE;
        }
        double v = n.asDouble();
        return v >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) v;
    }

    /** The {@code added_tokens_decoder} table of tokenizer_config.json (empty when absent). */
    static List<AddedToken> addedTokensDecoder(Path configFile, JsonNode config) {
        List<AddedToken> out = new ArrayList<>();
        JsonNode table = config.path("added_tokens_decoder");
        if (!table.isObject()) {
            return out;
        }
        for (Map.Entry<String, JsonNode> e : table.properties()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw TokenizerException.forFile(configFile, "added_tokens_decoder key is not an id: " + e.getKey());
            }
            JsonNode t = e.getValue();
            String content = tokenContent(t);
            if (content == null) {
                throw TokenizerException.forFile(configFile, "added token " + id + " has no content");
            }
            out.add(new AddedToken(content, id, t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
                    t.path("single_word").asBoolean(false), t.path("special").asBoolean(false)));
        }
        return out;
    }
}
