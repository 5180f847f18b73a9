package dev.nibble.models.common.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * Token ids of several texts padded to one length, with the attention mask (1 for real tokens,
 * 0 for padding). The mask cannot be recovered from the ids alone: CLIP pads with its eos id and
 * SDXL's second tokenizer pads with id 0, which is also the id of a real {@code !} token.
 */
public record TokenizedBatch(int[][] inputIds, int[][] attentionMask) {

    public TokenizedBatch {
        if (inputIds.length != attentionMask.length) {
            throw new IllegalArgumentException("ids and mask disagree on batch size");
        }
    }

    /** Right-pads every row to {@code length} with {@code padId}; rows longer than that are kept whole. */
    public static TokenizedBatch padded(List<int[]> rows, int length, int padId) {
        int[][] ids = new int[rows.size()][];
        int[][] mask = new int[rows.size()][];
        for (int b = 0; b < rows.size(); b++) {
            int[] row = rows.get(b);
            int n = Math.max(length, row.length);
            ids[b] = Sequences.padRight(row, n, padId);
            mask[b] = new int[n];
            Arrays.fill(mask[b], 0, row.length, 1);
        }
        return new TokenizedBatch(ids, mask);
    }

    public int batchSize() {
        return inputIds.length;
    }

    /** Row length (all rows share it when built by {@link #padded}). */
    public int sequenceLength() {
        return inputIds.length == 0 ? 0 : inputIds[0].length;
    }

    /** Row-major ids, ready to become a (batch, length) integer tensor. */
    public long[] flatInputIds() {
        return flatten(inputIds);
    }

    /** Row-major attention mask, ready to become a (batch, length) integer tensor. */
    public long[] flatAttentionMask() {
        return flatten(attentionMask);
    }

    private static long[] flatten(int[][] rows) {
        int total = 0;
        for (int[] r : rows) {
            total += r.length;
        }
        long[] out = new long[total];
        int k = 0;
        for (int[] r : rows) {
            for (int v : r) {
                out[k++] = v;
            }
        }
        return out;
    }
}
