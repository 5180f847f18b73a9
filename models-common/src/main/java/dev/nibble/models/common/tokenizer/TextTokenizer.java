package dev.nibble.models.common.tokenizer;

import java.util.ArrayList;
import java.util.List;

/** What a text-encoder pipeline needs from a tokenizer; implemented by CLIP's and T5's. */
public interface TextTokenizer {

    /** The token strings of {@code text}, without special tokens added around it. */
    List<String> tokenize(String text);

    /** Token ids of {@code text}, without the special tokens the model expects around it. */
    int[] encode(String text);

    /**
     * Ids as the model consumes them (special tokens added), optionally truncated to
     * {@code maxLength} (keeping the closing special token) and right-padded to it with
     * {@link #padId()}: what {@code tokenizer(text, padding="max_length", max_length=maxLength,
     * truncation=True)} returns for {@code padToMax = truncate = true}.
     */
    int[] encodeForModel(String text, int maxLength, boolean padToMax, boolean truncate);

    /** {@code model_max_length} of the tokenizer config ({@link Integer#MAX_VALUE} when unbounded). */
    int modelMaxLength();

    int padId();

    /**
     * Encodes several texts into one rectangular batch with attention masks. With {@code padToMax}
     * every row has {@code maxLength} entries (or more, for an over-long text when not truncating);
     * otherwise rows are padded to the longest one.
     */
    default TokenizedBatch encodeBatch(List<String> texts, int maxLength, boolean padToMax, boolean truncate) {
        List<int[]> rows = new ArrayList<>(texts.size());
        int width = padToMax ? maxLength : 0;
        for (String t : texts) {
            int[] ids = encodeForModel(t, maxLength, false, truncate);
            rows.add(ids);
            width = Math.max(width, ids.length);
        }
        return TokenizedBatch.padded(rows, width, padId());
    }
}
