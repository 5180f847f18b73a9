package dev.nibble.models.common.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * SentencePiece's text normalizer on UTF-8 bytes: user-defined symbols pass through untouched,
 * everything else goes through the compiled character map; leading, trailing and repeated spaces
 * are removed, a dummy-prefix space is added and spaces become U+2581, per the NormalizerSpec.
 */
final class SentencePieceNormalizer {
    static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81}; // U+2581 in UTF-8
    private static final byte[] REPLACEMENT_CHAR = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};
    private static final byte[] SPACE = {' '};

    private final PrecompiledCharsMap charsMap; // null: no normalization rules
    private final byte[][] userDefined;         // kept verbatim, longest match wins
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    private final boolean whitespaceAsSuffix;

    SentencePieceNormalizer(PrecompiledCharsMap charsMap, List<byte[]> userDefined, boolean addDummyPrefix,
                            boolean removeExtraWhitespaces, boolean escapeWhitespaces, boolean whitespaceAsSuffix) {
        this.charsMap = charsMap;
        this.userDefined = userDefined.toArray(new byte[0][]);
        this.addDummyPrefix = addDummyPrefix;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        this.escapeWhitespaces = escapeWhitespaces;
        this.whitespaceAsSuffix = whitespaceAsSuffix;
    }

    /** Normalized UTF-8 bytes of {@code input} (empty when the input is empty or all whitespace). */
    byte[] normalize(byte[] input) {
        int pos = 0;
        int len = input.length;
        if (removeExtraWhitespaces) {
            while (pos < len) {
                Prefix p = normalizePrefix(input, pos);
                if (!Arrays.equals(p.out, SPACE)) {
                    break;
                }
                pos += p.consumed;
            }
        }
        if (pos >= len) {
            return new byte[0];
        }
        Bytes out = new Bytes(len * 3 + 3);
        if (!whitespaceAsSuffix && addDummyPrefix) {
            addSpace(out);
        }
        boolean prevSpace = removeExtraWhitespaces;
        while (pos < len) {
            Prefix p = normalizePrefix(input, pos);
            byte[] sp = p.out;
            int s = 0;
            if (prevSpace) {
                while (s < sp.length && sp[s] == ' ') {
                    s++;
                }
            }
            if (s < sp.length) {
                for (int n = s; n < sp.length; n++) {
                    if (escapeWhitespaces && sp[n] == ' ') {
                        out.add(SPACE_SYMBOL);
                    } else {
                        out.add(sp[n]);
                    }
                }
                prevSpace = sp[sp.length - 1] == ' ';
            }
            pos += p.consumed;
            if (!removeExtraWhitespaces) {
                prevSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            byte[] space = escapeWhitespaces ? SPACE_SYMBOL : SPACE;
            while (out.endsWith(space)) {
                out.truncate(space.length);
            }
        }
        if (whitespaceAsSuffix && addDummyPrefix) {
            addSpace(out);
        }
        return out.toArray();
    }

    private void addSpace(Bytes out) {
        out.add(escapeWhitespaces ? SPACE_SYMBOL : SPACE);
    }

    private record Prefix(byte[] out, int consumed) {}

    /** The normalized form of the longest rule (or single character) at {@code pos}. */
    private Prefix normalizePrefix(byte[] in, int pos) {
        int userLen = 0;
        for (byte[] u : userDefined) {
            if (u.length > userLen && startsWith(in, pos, u)) {
                userLen = u.length;
            }
        }
        if (userLen > 0) {
            return new Prefix(Arrays.copyOfRange(in, pos, pos + userLen), userLen);
        }
        if (charsMap != null) {
            PrecompiledCharsMap.Match m = charsMap.longestPrefix(in, pos, in.length);
            if (m != null) {
                return new Prefix(charsMap.replacement(m.offset()), m.length());
            }
        }
        int n = Utf8.validCharLength(in, pos);
        if (n == 0) {
            return new Prefix(REPLACEMENT_CHAR, 1); // malformed UTF-8: one byte becomes U+FFFD
        }
        return new Prefix(Arrays.copyOfRange(in, pos, pos + n), n);
    }

    private static boolean startsWith(byte[] in, int pos, byte[] prefix) {
        if (pos + prefix.length > in.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (in[pos + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** A small growable byte array. */
    private static final class Bytes {
        private byte[] data;
        private int size;

        Bytes(int capacity) {
            data = new byte[Math.max(16, capacity)];
        }

        void add(byte b) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = b;
        }

        void add(byte[] bs) {
            for (byte b : bs) {
                add(b);
            }
        }

        boolean endsWith(byte[] suffix) {
            if (suffix.length > size) {
                return false;
            }
            for (int i = 0; i < suffix.length; i++) {
                if (data[size - suffix.length + i] != suffix[i]) {
                    return false;
                }
            }
            return true;
        }

        void truncate(int n) {
            size -= n;
        }

        byte[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
