package dev.nibble.models.common.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * T5's SentencePiece tokenizer, matching transformers' slow {@code T5Tokenizer} with
 * {@code legacy=True}: added tokens ({@code </s>}, {@code <extra_id_N>}, ...) are cut out of the
 * text first, each remaining chunk is encoded by the SentencePiece model on its own, and
 * {@code </s>} is appended (unless the ids already end with it). No bos token.
 */
public final class T5Tokenizer implements TextTokenizer {
    static final String SPIECE = "spiece.model";

    private final SentencePieceProcessor sp;
    private final AddedTokenSplitter splitter;
    private final int eosId;
    private final int padId;
    private final int modelMaxLength;

    private T5Tokenizer(SentencePieceProcessor sp, AddedTokenSplitter splitter, int eosId, int padId,
                        int modelMaxLength) {
        this.sp = sp;
        this.splitter = splitter;
        this.eosId = eosId;
        this.padId = padId;
        this.modelMaxLength = modelMaxLength;
    }

    /** Loads {@code spiece.model} and the optional transformers config files of a tokenizer folder. */
    public static T5Tokenizer load(Path dir) {
        SentencePieceProcessor sp = SentencePieceProcessor.load(dir.resolve(SPIECE));
        Path configFile = dir.resolve(TokenizerFiles.TOKENIZER_CONFIG);
        JsonNode config = TokenizerFiles.readOptionalJson(configFile);
        JsonNode special = TokenizerFiles.readOptionalJson(dir.resolve(TokenizerFiles.SPECIAL_TOKENS_MAP));
        Path addedFile = dir.resolve(TokenizerFiles.ADDED_TOKENS);
        JsonNode addedJson = TokenizerFiles.readOptionalJson(addedFile);

        Map<String, AddedToken> added = new LinkedHashMap<>();
        for (AddedToken t : TokenizerFiles.addedTokensDecoder(configFile, config)) {
            added.put(t.content(), t);
        }
        if (added.isEmpty()) {
            // Older folders: T5Tokenizer's constructor creates the sentinels itself, eating the
            // whitespace around them, with <extra_id_0> on the highest id.
            int extraIds = config.path("extra_ids").asInt(100);
            for (int i = 0; i < extraIds; i++) {
                String s = "<extra_id_" + i + ">";
                added.put(s, new AddedToken(s, sp.pieceCount() - 1 + extraIds - i, true, true, false, true));
            }
        }
        if (addedJson.isObject()) {
            for (Map.Entry<String, JsonNode> e : addedJson.properties()) {
                if (!e.getValue().canConvertToInt()) {
                    throw TokenizerException.forFile(addedFile, "id of '" + e.getKey() + "' is not an integer");
                }
                added.putIfAbsent(e.getKey(), AddedToken.plain(e.getKey(), e.getValue().intValue()));
            }
        } else if (!addedJson.isMissingNode()) {
            throw TokenizerException.forFile(addedFile, "expected a JSON object of token -> id");
        }
        String eos = TokenizerFiles.specialToken(special, config, "eos_token", "</s>");
        String unk = TokenizerFiles.specialToken(special, config, "unk_token", "<unk>");
        String pad = TokenizerFiles.specialToken(special, config, "pad_token", "<pad>");
        List<String> specials = new ArrayList<>(List.of(eos, unk, pad));
        specials.addAll(TokenizerFiles.additionalSpecialTokens(special, config));
        for (String s : specials) {
            // Special tokens are always split out, with the id the model gives them.
            added.putIfAbsent(s, AddedToken.plain(s, sp.pieceToId(s)));
        }
        return new T5Tokenizer(sp, new AddedTokenSplitter(added.values()), added.get(eos).id(), added.get(pad).id(),
                TokenizerFiles.modelMaxLength(config));
    }

    @Override
    public List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        for (AddedTokenSplitter.Chunk chunk : splitter.split(text)) {
            if (chunk.isAdded()) {
                tokens.add(chunk.text());
            } else {
                tokens.addAll(sp.encodeAsPieces(chunk.text()));
            }
        }
        return tokens;
    }

    @Override
    public int[] encode(String text) {
        List<String> tokens = tokenize(text);
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            AddedToken a = splitter.lookup(tokens.get(i));
            // Unknown pieces come back as their text; the model maps them to <unk>.
            ids[i] = a != null ? a.id() : sp.pieceToId(tokens.get(i));
        }
        return ids;
    }

    @Override
    public int[] encodeForModel(String text, int maxLength, boolean padToMax, boolean truncate) {
        int[] ids = encode(text);
        if (truncate || padToMax) {
            Sequences.checkMaxLength(maxLength);
        }
        if (truncate) {
            ids = Sequences.truncate(ids, 1, maxLength);
        }
        // transformers does not append a second </s> when the text already ends with one.
        int[] seq = ids.length > 0 && ids[ids.length - 1] == eosId ? ids : append(ids, eosId);
        return padToMax ? Sequences.padRight(seq, maxLength, padId) : seq;
    }

    private static int[] append(int[] ids, int id) {
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = id;
        return out;
    }

    @Override
    public int modelMaxLength() {
        return modelMaxLength;
    }

    @Override
    public int padId() {
        return padId;
    }

    public int eosId() {
        return eosId;
    }

    public int unkId() {
        return sp.unkId();
    }

    /** Number of SentencePiece pieces; the {@code <extra_id_N>} sentinels take the ids above them. */
    public int vocabSize() {
        return sp.pieceCount();
    }
}
