package dev.nibble.models.common.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The normalization rules a SentencePiece trainer compiles into the model ({@code nmt_nfkc} is
 * NFKC plus a few NMT-specific mappings). The blob is a little-endian uint32 trie size, a
 * darts-clone double-array trie over UTF-8 input prefixes, then NUL-terminated replacement strings;
 * a trie value is the offset of its replacement. Using the compiled table rather than
 * {@link java.text.Normalizer} reproduces the library exactly (its Unicode version and its extra
 * rules, e.g. U+02DC becoming a space plus a combining tilde).
 */
final class PrecompiledCharsMap {
    private final int[] units;
    private final byte[] replacements;

    private PrecompiledCharsMap(int[] units, byte[] replacements) {
        this.units = units;
        this.replacements = replacements;
    }

    static PrecompiledCharsMap decode(byte[] blob) {
        if (blob.length <= 4) {
            throw new IllegalStateException("precompiled charsmap is too short");
        }
        ByteBuffer bb = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        long trieSize = Integer.toUnsignedLong(bb.getInt());
        if (trieSize >= blob.length || trieSize % 4 != 0 || trieSize == 0) {
            throw new IllegalStateException("precompiled charsmap trie size " + trieSize + " does not fit the blob");
        }
        int[] units = new int[(int) (trieSize / 4)];
        bb.asIntBuffer().get(units);
        byte[] repl = new byte[blob.length - 4 - (int) trieSize];
        System.arraycopy(blob, 4 + (int) trieSize, repl, 0, repl.length);
        return new PrecompiledCharsMap(units, repl);
    }

    /** A replacement: {@code length} input bytes become {@code replacements[offset..NUL)}. */
    record Match(int length, int offset) {}

    /** The longest rule matching a prefix of {@code in[from..to)}, or null. */
    Match longestPrefix(byte[] in, int from, int to) {
        // darts-clone commonPrefixSearch, keeping the longest hit
        int nodePos = 0;
        int unit = units[0];
        nodePos ^= offset(unit);
        Match best = null;
        for (int i = from; i < to; i++) {
            int c = in[i] & 0xFF;
            nodePos ^= c;
            if (nodePos < 0 || nodePos >= units.length) {
                break;
            }
            unit = units[nodePos];
            if (label(unit) != c) {
                break;
            }
            nodePos ^= offset(unit);
            if (hasLeaf(unit)) {
                if (nodePos < 0 || nodePos >= units.length) {
                    break;
                }
                best = new Match(i + 1 - from, value(units[nodePos]));
            }
        }
        return best;
    }

    /** The NUL-terminated replacement starting at {@code offset}. */
    byte[] replacement(int offset) {
        if (offset < 0 || offset >= replacements.length) {
            throw new IllegalStateException("charsmap replacement offset " + offset + " out of range");
        }
        int end = offset;
        while (end < replacements.length && replacements[end] != 0) {
            end++;
        }
        byte[] out = new byte[end - offset];
        System.arraycopy(replacements, offset, out, 0, out.length);
        return out;
    }

    private static boolean hasLeaf(int unit) {
        return ((unit >>> 8) & 1) == 1;
    }

    private static int value(int unit) {
        return unit & 0x7FFFFFFF;
    }

    /** The label keeps the top bit so that a leaf unit never matches an input byte. */
    private static int label(int unit) {
        return unit & (0x80000000 | 0xFF);
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }
}
