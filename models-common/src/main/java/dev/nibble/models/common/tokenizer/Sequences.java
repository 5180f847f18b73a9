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

    /**
     * {@code first + ids + last} as a model input: text truncated to leave room for the two special tokens
     * when {@code truncate}, right-padded with {@code padId} to {@code maxLength} when {@code padToMax}
     * (CLIP's BOS/EOS, BERT's [CLS]/[SEP]).
     */
    static int[] framed(int[] ids, int first, int last, int maxLength, boolean padToMax, boolean truncate, int padId) {
        if (truncate || padToMax) {
            checkMaxLength(maxLength);
        }
        if (truncate) {
            ids = truncate(ids, 2, maxLength);
        }
        int[] seq = new int[ids.length + 2];
        seq[0] = first;
        System.arraycopy(ids, 0, seq, 1, ids.length);
        seq[seq.length - 1] = last;
        return padToMax ? padRight(seq, maxLength, padId) : seq;
    }

    /** Ids of tokens: added tokens first, then the vocabulary, else {@code unkId}. */
    static int[] ids(java.util.List<String> tokens, AddedTokenSplitter added, java.util.Map<String, Integer> vocab,
                     int unkId) {
        int[] out = new int[tokens.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = id(tokens.get(i), added, vocab, unkId);
        }
        return out;
    }

    /** The id of one token: added tokens first, then the vocabulary, else {@code unkId}. */
    static int id(String token, AddedTokenSplitter added, java.util.Map<String, Integer> vocab, int unkId) {
        AddedToken a = added.lookup(token);
        return a != null ? a.id() : vocab.getOrDefault(token, unkId);
    }

    static void checkMaxLength(int maxLength) {
        if (maxLength <= 0) {
            throw new IllegalArgumentException("max length must be positive: " + maxLength);
        }
    }
}
