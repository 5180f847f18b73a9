package dev.nibble.app.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.UncheckedIOException;

/** The server's JSON: one mapper, compact output. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static String write(Object node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {"error": code, "message": message, "status": status}. */
    static ObjectNode error(int status, String code, String message) {
        ObjectNode o = object();
        o.put("error", code);
        o.put("message", message);
        o.put("status", status);
        return o;
    }

    /** Nanoseconds as milliseconds with two decimals. */
    static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }
}
