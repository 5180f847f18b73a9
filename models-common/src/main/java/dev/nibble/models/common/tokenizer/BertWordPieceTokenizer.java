package dev.nibble.models.common.tokenizer;

import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BERT's WordPiece tokenizer over a {@code vocab.txt}, as transformers' {@code BertTokenizer} runs it
 * (the settings of {@code bert-base-uncased} by default):
 *
 * <ol>
 *   <li>special and added tokens ({@code [CLS]}, {@code [SEP]}, {@code [PAD]}, {@code [MASK]}, {@code [UNK]}
 *       and any added ones) are cut out of the text first and kept verbatim;</li>
 *   <li>the basic tokenizer cleans the rest (NUL, U+FFFD and control characters dropped, whitespace made
 *       a space), puts spaces around CJK ideographs, splits on whitespace, lower-cases each word and strips
 *       its accents (NFD, then combining marks of category Mn removed) when uncased, and splits every
 *       punctuation character (ASCII symbols and Unicode category P*) off as a word of its own;</li>
 *   <li>WordPiece cuts each word greedily, longest vocabulary match first, continuation pieces carrying
 *       the {@code ##} prefix; a word with a part that matches nothing, or longer than 100 characters
 *       (code points), becomes a single {@code [UNK]}.</li>
 * </ol>
 *
 * <p>Ids are line numbers of {@code vocab.txt} (lines split like Python's text-mode {@code readlines});
 * added tokens not in the file get the next ids in the order given, as {@code add_special_tokens} assigns
 * them (BLIP adds {@code [DEC]} and {@code [ENC]}: ids 30522 and 30523 for bert-base-uncased).
 * {@link #encodeForModel} frames the ids as {@code [CLS] ids [SEP]}, truncating from the end and
 * right-padding with {@code [PAD]}, as {@code tokenizer(text, padding="max_length", truncation=True,
 * max_length=n)} does.
 */
public final class BertWordPieceTokenizer implements TextTokenizer {
    public static final String UNK = "[UNK]";
    public static final String CLS = "[CLS]";
    public static final String SEP = "[SEP]";
    public static final String PAD = "[PAD]";
    public static final String MASK = "[MASK]";
    /** Words longer than this many code points become {@code [UNK]} (transformers' max_input_chars_per_word). */
    public static final int MAX_INPUT_CHARS_PER_WORD = 100;
    /** model_max_length of bert-base-uncased's tokenizer (its 512 position embeddings). */
    public static final int BERT_BASE_MAX_LENGTH = 512;
    private static final String CONTINUATION = "##";

    private final Map<String, Integer> vocab;
    private final int vocabSize;
    private final boolean lowerCase;
    private final AddedTokenSplitter splitter;
    private final int unkId;
    private final int clsId;
    private final int sepId;
    private final int padId;
    private final int modelMaxLength;

    private BertWordPieceTokenizer(Map<String, Integer> vocab, int vocabSize, boolean lowerCase,
                                   AddedTokenSplitter splitter, int modelMaxLength) {
        this.vocab = vocab;
        this.vocabSize = vocabSize;
        this.lowerCase = lowerCase;
        this.splitter = splitter;
        this.unkId = splitter.lookup(UNK).id();
        this.clsId = splitter.lookup(CLS).id();
        this.sepId = splitter.lookup(SEP).id();
        this.padId = splitter.lookup(PAD).id();
        this.modelMaxLength = modelMaxLength;
    }

    /** An uncased tokenizer (bert-base-uncased's settings) over {@code vocabTxt}, with no added tokens. */
    public static BertWordPieceTokenizer load(Path vocabTxt) {
        return load(vocabTxt, true, List.of());
    }

    /**
     * A tokenizer over {@code vocabTxt}.
     *
     * @param lowerCase          do_lower_case (accents are stripped exactly when lower-casing, transformers'
     *                           default strip_accents=None)
     * @param addedSpecialTokens special tokens added on top of the file, e.g. BLIP's {@code [DEC]}, {@code [ENC]}
     */
    public static BertWordPieceTokenizer load(Path vocabTxt, boolean lowerCase, List<String> addedSpecialTokens) {
        List<String> lines = vocabLines(TokenizerFiles.readText(vocabTxt));
        try {
            return of(lines, lowerCase, addedSpecialTokens, BERT_BASE_MAX_LENGTH);
        } catch (IllegalArgumentException e) {
            throw TokenizerException.forFile(vocabTxt, e.getMessage());
        }
    }

    /** A tokenizer over vocabulary entries in id order (line i of a vocab.txt is entry i). */
    public static BertWordPieceTokenizer of(List<String> vocabEntries, boolean lowerCase,
                                            List<String> addedSpecialTokens, int modelMaxLength) {
        if (vocabEntries.isEmpty()) {
            throw new IllegalArgumentException("empty vocabulary");
        }
        Map<String, Integer> vocab = new HashMap<>(vocabEntries.size() * 2);
        for (int i = 0; i < vocabEntries.size(); i++) {
            vocab.put(vocabEntries.get(i), i); // a repeated entry keeps its last line, as a Python dict would
        }
        Map<String, AddedToken> added = new LinkedHashMap<>();
        for (String s : List.of(UNK, SEP, PAD, CLS, MASK)) {
            Integer id = vocab.get(s);
            if (id == null) {
                throw new IllegalArgumentException("special token '" + s + "' is not in the vocabulary");
            }
            added.put(s, AddedToken.plain(s, id));
        }
        int next = vocabEntries.size();
        for (String s : addedSpecialTokens) {
            if (s.isEmpty() || added.containsKey(s)) {
                continue;
            }
            Integer id = vocab.get(s);
            added.put(s, AddedToken.plain(s, id != null ? id : next++));
        }
        return new BertWordPieceTokenizer(vocab, next, lowerCase, new AddedTokenSplitter(added.values()),
                modelMaxLength);
    }

    /** Lines as Python's text-mode readlines() yields them (\n, \r\n and \r end a line), newline dropped. */
    static List<String> vocabLines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                out.add(text.substring(start, i));
                i += c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n' ? 2 : 1;
                start = i;
            } else {
                i++;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    @Override
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (AddedTokenSplitter.Chunk chunk : splitter.split(text)) {
            if (chunk.isAdded()) {
                out.add(chunk.text());
            } else {
                for (String word : basicTokens(chunk.text())) {
                    wordPieces(word, out);
                }
            }
        }
        return out;
    }

    @Override
    public int[] encode(String text) {
        return Sequences.ids(tokenize(text), splitter, vocab, unkId);
    }

    /** The id of a token string: added tokens first, then the vocabulary, else {@code [UNK]}'s id. */
    public int tokenId(String token) {
        return Sequences.id(token, splitter, vocab, unkId);
    }
    @Override
    public int[] encodeForModel(String text, int maxLength, boolean padToMax, boolean truncate) {
        return Sequences.framed(encode(text), clsId, sepId, maxLength, padToMax, truncate, padId);
    }

    @Override
    public int modelMaxLength() {
        return modelMaxLength;
    }

    @Override
    public int padId() {
        return padId;
    }

    public int clsId() {
        return clsId;
    }

    public int sepId() {
        return sepId;
    }

    public int unkId() {
        return unkId;
    }

    /** Ids in use: the vocabulary file's lines plus the added tokens that were not in it. */
    public int size() {
        return vocabSize;
    }

    public boolean lowerCase() {
        return lowerCase;
    }

    // ---- basic tokenizer ----

    /** transformers' BasicTokenizer.tokenize for text that holds no special token. */
    List<String> basicTokens(String text) {
        String cleaned = Normalizer.normalize(spaceOutCjk(clean(text)), Normalizer.Form.NFC);
        StringBuilder joined = new StringBuilder();
        for (String word : PyText.splitWhitespace(cleaned)) {
            if (lowerCase) {
                word = stripAccents(word.toLowerCase(Locale.ROOT));
            }
            splitPunctuation(word, joined);
        }
        return PyText.splitWhitespace(joined.toString());
    }

    /** Drops NUL, U+FFFD and control characters; every whitespace character becomes a plain space. */
    static String clean(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isWhitespace(cp)) {
                sb.append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    private static String spaceOutCjk(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (isCjk(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    private static String stripAccents(String word) {
        String nfd = Normalizer.normalize(word, Normalizer.Form.NFD);
        StringBuilder sb = new StringBuilder(nfd.length());
        nfd.codePoints().forEach(cp -> {
            if (Character.getType(cp) != Character.NON_SPACING_MARK) {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    /** Appends the word's pieces, space-separated: each punctuation character alone, other runs whole. */
    private static void splitPunctuation(String word, StringBuilder out) {
        boolean newWord = true;
        int i = 0;
        while (i < word.length()) {
            int cp = word.codePointAt(i);
            i += Character.charCount(cp);
            if (isPunctuation(cp)) {
                out.append(' ').appendCodePoint(cp).append(' ');
                newWord = true;
            } else {
                if (newWord) {
                    out.append(' ');
                    newWord = false;
                }
                out.appendCodePoint(cp);
            }
        }
    }

    /** Space, tab, newline, carriage return, or general category Zs. */
    static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /** General category C* (Cc, Cf, Cn, Co, Cs), except tab, newline and carriage return. */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED
                || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    /** The ASCII symbols (!"#$%&'()*+,-./ :;<=>?@ [\]^_` {|}~) and every general category P*. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** The CJK Unified Ideographs blocks (and their extensions and compatibility forms) BERT spaces out. */
    static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    // ---- WordPiece ----

    /** Greedy longest-match-first pieces of one word; the whole word is {@code [UNK]} when any part fails. */
    void wordPieces(String word, List<String> out) {
        int[] cps = word.codePoints().toArray();
        if (cps.length > MAX_INPUT_CHARS_PER_WORD) {
            out.add(UNK);
            return;
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < cps.length) {
            String match = null;
            int end = cps.length;
            while (start < end) {
                String sub = new String(cps, start, end - start);
                if (start > 0) {
                    sub = CONTINUATION + sub;
                }
                if (vocab.containsKey(sub)) {
                    match = sub;
                    break;
                }
                end--;
            }
            if (match == null) {
                out.add(UNK);
                return;
            }
            pieces.add(match);
            start = end;
        }
        out.addAll(pieces);
    }
}
