package dev.nibble.engine.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** The one strict JSON reader of this package: duplicate keys and trailing garbage are errors, not last-wins. */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    private Json() {}

    /**
     * Parses UTF-8 JSON. Decodes first with a strict decoder, because Jackson would otherwise guess
     * UTF-16/32 from zero bytes or let malformed sequences through in some places.
     *
     * @throws IOException with a short description (no source dump) on any problem
     */
    static JsonNode parse(byte[] utf8) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IOException("not valid UTF-8", e);
        }
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new IOException("empty JSON document");
            }
            return node;
        } catch (JacksonException e) {
            throw new IOException("not valid JSON: " + describe(e), e);
        }
    }

    /** Jackson's message without the echo of the source text, plus where it happened. */
    private static String describe(JacksonException e) {
        // Drop Jackson's note that it redacted the source; the location is appended below.
        String msg = String.valueOf(e.getOriginalMessage()).replaceAll("\\[Source: [^;]*; ", "[");
        JsonLocation loc = e.getLocation();
        if (loc != null && loc.getLineNr() > 0) {
            msg += " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
        }
        return msg;
    }
}
