package dev.nibble.models.common.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Rules the golden prompts do not reach: sentinel whitespace, a literal eos, batching, limits. */
class TokenizerBehaviourTest {
    private static ClipTokenizer clip;
    private static T5Tokenizer t5;

    @BeforeAll
    static void load() {
        clip = ClipTokenizer.load(SharedData.golden("models/flux_dev/tokenizer"));
        t5 = T5Tokenizer.load(SharedData.golden("models/flux_dev/tokenizer_2"));
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }

    @Test
    void sentinelsEatSurroundingWhitespace() {
        // <extra_id_N> is registered with lstrip/rstrip, so the spaces around it vanish.
        assertArrayEquals(concat(t5.encode("a cat"), new int[] {499}, t5.encode("on a sofa")),
                t5.encode("a cat   <extra_id_0>  on a sofa"));
        assertEquals(List.of("▁a", "<extra_id_1>", "▁c", "at"), t5.tokenize("a <extra_id_1> cat"));
    }

    @Test
    void literalEosIsNotDoubled() {
        int[] ids = t5.encodeForModel("a cat</s>", 512, false, false);
        assertArrayEquals(concat(t5.encode("a cat"), new int[] {1}), ids);
    }

    @Test
    void truncationKeepsClosingToken() {
        String longText = "a photo of a cat ".repeat(30);
        int[] c = clip.encodeForModel(longText, 10, true, true);
        assertEquals(10, c.length);
        assertEquals(clip.bosId(), c[0]);
        assertEquals(clip.eosId(), c[9]);
        int[] t = t5.encodeForModel(longText, 7, true, true);
        assertEquals(7, t.length);
        assertEquals(1, t[6]);
        assertEquals(clip.encode(longText).length + 2, clip.encodeForModel(longText, 10, true, false).length,
                "no truncation when not asked for");
    }

    @Test
    void batchPadsToLongestWithMask() {
        TokenizedBatch b = clip.encodeBatch(List.of("a", "a photo of a cat"), 77, false, true);
        assertEquals(2, b.batchSize());
        assertEquals(10, b.sequenceLength());
        assertArrayEquals(new int[] {912, 320, 913, 913, 913, 913, 913, 913, 913, 913}, b.inputIds()[0]);
        assertArrayEquals(new int[] {1, 1, 1, 0, 0, 0, 0, 0, 0, 0}, b.attentionMask()[0]);
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, b.attentionMask()[1]);
        assertEquals(20, b.flatInputIds().length);
    }

    @Test
    void tooSmallMaxLengthIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> clip.encodeForModel("a photo", 2, false, true));
        assertThrows(IllegalArgumentException.class, () -> t5.encodeForModel("a photo", 0, true, true));
        assertArrayEquals(new int[] {912, 913}, clip.encodeForModel("", 2, true, true));
    }

    @Test
    void whitespaceOnlyTextHasNoTokens() {
        assertEquals(List.of(), clip.tokenize(" \t\n "));
        assertEquals(List.of(), t5.tokenize(" \t\n "));
        assertArrayEquals(new int[] {1}, t5.encodeForModel("   ", 512, false, false));
    }
}
