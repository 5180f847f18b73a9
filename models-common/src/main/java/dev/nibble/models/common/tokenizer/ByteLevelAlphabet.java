package dev.nibble.models.common.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2/CLIP byte-level alphabet ({@code bytes_to_unicode}): every UTF-8 byte maps to one printable
 * character so BPE can work on strings without ever seeing whitespace or control characters.
 * Printable Latin-1 bytes map to themselves; the other 68 bytes map to U+0100 upwards in byte order.
 */
final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = build();

    private ByteLevelAlphabet() {}

    private static char[] build() {
        char[] map = new char[256];
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            direct[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            direct[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            direct[b] = true;
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            map[b] = direct[b] ? (char) b : (char) next++;
        }
        return map;
    }

    /** The UTF-8 bytes of {@code text}, each replaced by its alphabet character. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }
}
