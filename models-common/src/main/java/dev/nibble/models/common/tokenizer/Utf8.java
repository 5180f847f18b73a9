package dev.nibble.models.common.tokenizer;

/** UTF-8 byte-level helpers with SentencePiece's conventions. */
final class Utf8 {
    private Utf8() {}

    /** SentencePiece's {@code OneCharLen}: sequence length from the lead byte alone. */
    static int oneCharLen(byte lead) {
        int hi = (lead & 0xFF) >>> 4;
        return hi < 0xC ? 1 : hi < 0xE ? 2 : hi == 0xE ? 3 : 4;
    }

    /** Length of the well-formed character at {@code pos}, or 0 when the bytes there are malformed. */
    static int validCharLength(byte[] b, int pos) {
        int c = b[pos] & 0xFF;
        if (c < 0x80) {
            return 1;
        }
        int n;
        int min;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            min = 0x10000;
        } else {
            return 0;
        }
        if (pos + n > b.length) {
            return 0;
        }
        int cp = c & (0xFF >>> (n + 1));
        for (int i = 1; i < n; i++) {
            int cc = b[pos + i] & 0xFF;
            if ((cc & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return 0;
        }
        return n;
    }
}
