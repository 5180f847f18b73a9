package dev.nibble.models.common.tokenizer;

import java.util.Arrays;

/** Truncation and padding of id sequences with transformers' semantics for a single text. */
final class Sequences {
    private Sequences() {}

    /**
     * Drops tokens from the end of {@code ids} so that, once {@code numSpecial} special tokens are
     * added, the sequence fits {@code maxLength} (transformers' default right-side truncation).
     * Where not even one text token would fit, transformers logs an error and returns the text
     * untruncated; that silently breaks the length contract, so it is refused here instead.
     */
    static int[] truncate(int[] ids, int numSpecial, int maxLength) {
        int excess = ids.length + numSpecial - maxLength;
        if (excess <= 0) {
            return ids;
        }
        if (ids.length <= excess) {
            throw new IllegalArgumentException("max length " + maxLength + " leaves no room for text after "
                    + numSpecial + " special token(s)");
        }
        return Arrays.copyOf(ids, ids.length - excess);
    }

    /** Right-pads to {@code length}; a longer sequence is returned unchanged. */
    static int[] padRight(int[] ids, int length, int padId) {
        if (ids.length >= length) {
            return ids;
        }
        int[] out = Arrays.copyOf(ids, length);
        Arrays.fill(out, ids.length, length, padId);
        return out;
    }

    static void checkMaxLength(int maxLength) {
        if (maxLength <= 0) {
            throw new IllegalArgumentException("max length must be positive: " + maxLength);
        }
    }
}
