package dev.nibble.models.common.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's byte-level BPE tokenizer, matching transformers' slow {@code CLIPTokenizer} without ftfy:
 * added tokens are cut out first, the rest is cleaned ({@link ClipTextCleaner}), split by CLIP's
 * word regex, mapped to the byte alphabet and merged by BPE ({@link BpeMerges}).
 */
public final class ClipTokenizer implements TextTokenizer {
    static final String VOCAB = "vocab.json";
    static final String MERGES = "merges.txt";
    /** The "fast" tokenizer file; transformers 5 saves only this one (model.vocab, model.merges). */
    static final String FAST = "tokenizer.json";
    private static final String BOS = "<|startoftext|>";
    private static final String EOS = "<|endoftext|>";

    /** CLIP's word pattern: special tokens, English contractions, letter runs, single digits, other runs. */
    private static final Pattern WORDS = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);

    private final Map<String, Integer> vocab;
    private final BpeMerges merges;
    private final AddedTokenSplitter splitter;
    private final int unkId;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int modelMaxLength;

    private ClipTokenizer(Map<String, Integer> vocab, BpeMerges merges, AddedTokenSplitter splitter,
                          int unkId, int bosId, int eosId, int padId, int modelMaxLength) {
        this.vocab = vocab;
        this.merges = merges;
        this.splitter = splitter;
        this.unkId = unkId;
        this.bosId = bosId;
        this.eosId = eosId;
        this.padId = padId;
        this.modelMaxLength = modelMaxLength;
    }

    /**
     * Loads {@code vocab.json}, {@code merges.txt} and the optional config files of a tokenizer folder; a
     * folder with neither of the first two but a {@code tokenizer.json} (what transformers 5 saves) gives its
     * BPE model's vocabulary and merges instead.
     */
    public static ClipTokenizer load(Path dir) {
        Path vocabFile = dir.resolve(VOCAB);
        Path mergesFile = dir.resolve(MERGES);
        Path configFile = dir.resolve(TokenizerFiles.TOKENIZER_CONFIG);
        Map<String, Integer> vocab;
        BpeMerges merges;
        if (!Files.exists(vocabFile) && !Files.exists(mergesFile) && Files.isRegularFile(dir.resolve(FAST))) {
            vocabFile = dir.resolve(FAST);
            mergesFile = vocabFile;
            JsonNode model = TokenizerFiles.readJson(vocabFile).path("model");
            if (!model.path("type").asText("BPE").equals("BPE")) {
                throw TokenizerException.forFile(vocabFile, "model.type is " + model.path("type").asText()
                        + ", a CLIP tokenizer is BPE");
            }
            vocab = vocab(vocabFile, model.path("vocab"));
            merges = BpeMerges.parse(mergesText(vocabFile, model.path("merges")), List.of(BOS, EOS));
        } else {
            vocab = readVocab(vocabFile);
            merges = BpeMerges.parse(TokenizerFiles.readText(mergesFile), List.of(BOS, EOS));
        }
        if (merges.size() == 0) {
            throw TokenizerException.forFile(mergesFile, "no merge rules (expected a header line and 'a b' pairs)");
        }
        JsonNode config = TokenizerFiles.readOptionalJson(configFile);
        JsonNode special = TokenizerFiles.readOptionalJson(dir.resolve(TokenizerFiles.SPECIAL_TOKENS_MAP));

        // Every added token of the config plus the four special tokens is split out before BPE;
        // transformers registers special tokens as added tokens even when the vocab has them.
        Map<String, AddedToken> added = new LinkedHashMap<>();
        for (AddedToken t : TokenizerFiles.addedTokensDecoder(configFile, config)) {
            added.put(t.content(), t);
        }
        String unk = TokenizerFiles.specialToken(special, config, "unk_token", EOS);
        String bos = TokenizerFiles.specialToken(special, config, "bos_token", BOS);
        String eos = TokenizerFiles.specialToken(special, config, "eos_token", EOS);
        String pad = TokenizerFiles.specialToken(special, config, "pad_token", EOS);
        for (String s : List.of(unk, bos, eos, pad)) {
            if (!added.containsKey(s)) {
                Integer id = vocab.get(s);
                if (id == null) {
                    throw TokenizerException.forFile(vocabFile, "special token '" + s + "' is not in the vocabulary"
                            + " nor in " + TokenizerFiles.TOKENIZER_CONFIG + " added_tokens_decoder");
                }
                added.put(s, AddedToken.plain(s, id));
            }
        }
        AddedTokenSplitter splitter = new AddedTokenSplitter(added.values());
        return new ClipTokenizer(vocab, merges, splitter, added.get(unk).id(), added.get(bos).id(),
                added.get(eos).id(), added.get(pad).id(), TokenizerFiles.modelMaxLength(config));
    }

    private static Map<String, Integer> readVocab(Path file) {
        return vocab(file, TokenizerFiles.readJson(file));
    }

    /**
     * tokenizer.json's {@code model.merges} as merges.txt text: a header line, then one "a b" pair per line
     * (the list holds "a b" strings, or [a, b] pairs in newer files).
     */
    private static String mergesText(Path file, JsonNode merges) {
        if (!merges.isArray()) {
            throw TokenizerException.forFile(file, "model.merges is not a list");
        }
        StringBuilder sb = new StringBuilder("#version: tokenizer.json\n");
        for (JsonNode m : merges) {
            String pair = m.isArray() && m.size() == 2 ? m.get(0).asText() + " " + m.get(1).asText() : m.asText();
            sb.append(pair).append('\n');
        }
        return sb.toString();
    }

    private static Map<String, Integer> vocab(Path file, JsonNode root) {
        if (!root.isObject() || root.isEmpty()) {
            throw TokenizerException.forFile(file, "expected a non-empty JSON object of token -> id");
        }
        Map<String, Integer> vocab = new HashMap<>(root.size() * 2);
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!e.getValue().canConvertToInt()) {
                throw TokenizerException.forFile(file, "id of token '" + e.getKey() + "' is not an integer");
            }
            vocab.put(e.getKey(), e.getValue().intValue());
        }
        return vocab;
    }

    @Override
    public List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        for (AddedTokenSplitter.Chunk chunk : splitter.split(text)) {
            if (chunk.isAdded()) {
                tokens.add(chunk.text());
            } else {
                bpeTokens(chunk.text(), tokens);
            }
        }
        return tokens;
    }

    private void bpeTokens(String text, List<String> out) {
        Matcher m = WORDS.matcher(ClipTextCleaner.clean(text));
        while (m.find()) {
            out.addAll(merges.apply(ByteLevelAlphabet.encode(m.group())));
        }
    }

    @Override
    public int[] encode(String text) {
        return Sequences.ids(tokenize(text), splitter, vocab, unkId);
    }

    @Override
    public int[] encodeForModel(String text, int maxLength, boolean padToMax, boolean truncate) {
        return Sequences.framed(encode(text), bosId, eosId, maxLength, padToMax, truncate, padId);
    }

    @Override
    public int modelMaxLength() {
        return modelMaxLength;
    }

    @Override
    public int padId() {
        return padId;
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    /** Size of the base vocabulary (vocab.json). */
    public int vocabSize() {
        return vocab.size();
    }
}
