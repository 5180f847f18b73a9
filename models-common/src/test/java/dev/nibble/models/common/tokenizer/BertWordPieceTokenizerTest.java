package dev.nibble.models.common.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BERT's basic tokenizer and WordPiece on a small vocabulary, with expectations worked out by hand from
 * the rules (lower-casing, accent stripping, punctuation, CJK, ## continuation, unknown words). The same
 * strings were also run through transformers 5.18's BertTokenizer (tokenizers 0.23) on this vocabulary,
 * which gave the same ids.
 */
class BertWordPieceTokenizerTest {
    static final List<String> VOCAB = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "red", "cat", "##s",
            ",", "!", "un", "##aff", "##able", "hello", "world", "cafe", "nandu", "我", "爱", ".", "'", "t", "don", "x",
            "##x", "on", "the", "##e", "left", "-", "blue", "##ish");
    // ids:      0        1        2        3        4         5    6      7      8
    //           9    10   11    12       13        14       15       16      17       18   19   20   21   22   23     24
    //           25     26    27     28     29      30   31      32
    static final int DEC = 33;
    static final int ENC = 34;

    private static BertWordPieceTokenizer tok() {
        return BertWordPieceTokenizer.of(VOCAB, true, List.of("[DEC]", "[ENC]"), 512);
    }

    @Test
    void lowerCasesAndSplitsPunctuation() {
        BertWordPieceTokenizer t = tok();
        assertEquals(List.of("hello", ",", "world", "!"), t.tokenize("Hello, World!"));
        assertArrayEquals(new int[] {14, 9, 15, 10}, t.encode("Hello, World!"));
        // every punctuation character is a word of its own, runs included
        assertEquals(List.of("don", "'", "t", "."), t.tokenize("don't."));
        assertEquals(List.of("blue", "-", "[UNK]", "cat", "on", "the", "left", ".", ".", "."),
                t.tokenize("Blue-ish cat on the LEFT..."));
        // « and » are Unicode punctuation (Pi, Pf): split off, and unknown to this vocabulary
        assertArrayEquals(new int[] {1, 5, 1}, t.encode("«a»"));
    }

    @Test
    void stripsAccentsWhenUncased() {
        BertWordPieceTokenizer t = tok();
        assertEquals(List.of("cafe", "nandu"), t.tokenize("Café Ñandú"));
        // a combining acute after a capital A: lower-cased, decomposed, the mark dropped
        assertArrayEquals(new int[] {5, 6, 7}, t.encode("A\u0301 RED\tCAT"));
        // full-width letters are not folded (no NFKC in BERT's normaliser)
        assertArrayEquals(new int[] {1, 7}, t.encode("ＲＥＤ cat"));
    }

    @Test
    void casedTokenizerKeepsCaseAndAccents() {
        BertWordPieceTokenizer cased = BertWordPieceTokenizer.of(VOCAB, false, List.of(), 512);
        assertEquals(List.of("[UNK]", ",", "world"), cased.tokenize("Hello, world"));
        assertEquals(List.of("[UNK]"), cased.tokenize("café"));
    }

    @Test
    void wordPieceTakesTheLongestMatchWithContinuations() {
        BertWordPieceTokenizer t = tok();
        assertEquals(List.of("un", "##aff", "##able", "cat", "##s"), t.tokenize("unaffable cats"));
        assertArrayEquals(new int[] {11, 12, 13, 7, 8}, t.encode("unaffable cats"));
        // in "Blue-ish" the hyphen splits first and a lone "ish" is unknown; glued, it is a continuation
        assertEquals(List.of("blue", "##ish"), t.tokenize("blueish"));
    }

    @Test
    void unknownWordsBecomeOneUnk() {
        BertWordPieceTokenizer t = tok();
        // "un" "##aff" match, "##ablz" and every shorter tail do not: the whole word is [UNK]
        assertEquals(List.of("[UNK]", "[UNK]"), t.tokenize("unaffablz dog"));
        // 100 code points are still cut into pieces; 101 are one [UNK]
        List<String> hundred = new ArrayList<>();
        hundred.add("x");
        hundred.addAll(Collections.nCopies(99, "##x"));
        assertEquals(hundred, t.tokenize("x".repeat(100)));
        assertEquals(List.of("[UNK]"), t.tokenize("x".repeat(101)));
        assertEquals(1, t.tokenId("dog"));
    }

    @Test
    void cjkIdeographsAreWordsOfTheirOwn() {
        assertArrayEquals(new int[] {18, 19, 7}, tok().encode("我爱cat"));
        assertTrue(BertWordPieceTokenizer.isCjk('我'));
        assertTrue(!BertWordPieceTokenizer.isCjk('a'));
    }

    @Test
    void cleansControlsAndWhitespace() {
        BertWordPieceTokenizer t = tok();
        // no-break space (Zs) and newline separate words
        assertArrayEquals(new int[] {6, 7, 7, 8}, t.encode("red\u00a0cat\ncats"));
        // NUL and zero-width space (Cf) are dropped, gluing the words together
        assertArrayEquals(new int[] {1}, t.encode("a\u0000red"));
        assertArrayEquals(new int[] {1}, t.encode("red\u200bcat"));
        // the line separator U+2028 is whitespace to Python's str.split
        assertArrayEquals(new int[] {14, 15}, t.encode("hello\u2028world"));
        assertArrayEquals(new int[0], t.encode("  "));
    }

    @Test
    void specialAndAddedTokensAreKeptVerbatim() {
        BertWordPieceTokenizer t = tok();
        assertEquals(List.of("[CLS]", "red", "[MASK]", "cat", "[ENC]"), t.tokenize("[CLS] Red[MASK]cat [ENC]"));
        assertArrayEquals(new int[] {2, 6, 4, 7, ENC}, t.encode("[CLS] Red[MASK]cat [ENC]"));
        // matching is case-sensitive: "[enc]" is punctuation and an unknown word
        assertArrayEquals(new int[] {1, 1, 1, DEC}, t.encode("[enc] [DEC]"));
        assertEquals(DEC, t.tokenId("[DEC]"));
        assertEquals(ENC, t.tokenId("[ENC]"));
        assertEquals(VOCAB.size() + 2, t.size());
    }

    @Test
    void framesTruncatesAndPads() {
        BertWordPieceTokenizer t = tok();
        assertArrayEquals(new int[] {2, 5, 6, 7, 3, 0, 0, 0}, t.encodeForModel("a red cat", 8, true, true));
        assertArrayEquals(new int[] {2, 5, 6, 7, 3}, t.encodeForModel("a red cat on the left", 5, true, true));
        assertArrayEquals(new int[] {2, 5, 6, 7, 3}, t.encodeForModel("a red cat", 8, false, false));
        TokenizedBatch b = t.encodeBatch(List.of("a", "red cat"), 6, true, true);
        assertArrayEquals(new int[] {2, 5, 3, 0, 0, 0}, b.inputIds()[0]);
        assertArrayEquals(new int[] {1, 1, 1, 1, 0, 0}, b.attentionMask()[1]);
        assertEquals(0, t.padId());
        assertEquals(2, t.clsId());
        assertEquals(3, t.sepId());
    }

    @Test
    void readsVocabLinesLikePython(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("vocab.txt");
        Files.writeString(file, String.join("\r\n", VOCAB) + "\r\n", StandardCharsets.UTF_8);
        BertWordPieceTokenizer t = BertWordPieceTokenizer.load(file, true, List.of("[DEC]", "[ENC]"));
        assertArrayEquals(tok().encode("Unaffable red cats!"), t.encode("Unaffable red cats!"));
        assertEquals(List.of("a", "", "b", "c"), BertWordPieceTokenizer.vocabLines("a\n\nb\rc"));
        assertEquals(BertWordPieceTokenizer.BERT_BASE_MAX_LENGTH, t.modelMaxLength());
    }

    @Test
    void aVocabularyWithoutSpecialTokensIsRejected(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("vocab.txt");
        Files.writeString(file, "[PAD]\n[UNK]\n[CLS]\na\n", StandardCharsets.UTF_8);
        TokenizerException e = assertThrows(TokenizerException.class, () -> BertWordPieceTokenizer.load(file));
        assertTrue(e.getMessage().contains("[SEP]") && e.getMessage().contains(file.toString()), e.getMessage());
        assertThrows(TokenizerException.class, () -> BertWordPieceTokenizer.load(dir.resolve("missing.txt")));
    }
}
