package dev.nibble.models.common.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code ModelProto} that encoding needs: the pieces (string, score,
 * type) and the normalizer/trainer settings. Field numbers follow sentencepiece_model.proto.
 */
record SentencePieceModel(
        List<Piece> pieces,
        int modelType,
        boolean byteFallback,
        boolean treatWhitespaceAsSuffix,
        String normalizerName,
        byte[] precompiledCharsMap,
        boolean addDummyPrefix,
        boolean removeExtraWhitespaces,
        boolean escapeWhitespaces) {

    static final int TYPE_NORMAL = 1;
    static final int TYPE_UNKNOWN = 2;
    static final int TYPE_CONTROL = 3;
    static final int TYPE_USER_DEFINED = 4;
    static final int TYPE_UNUSED = 5;
    static final int TYPE_BYTE = 6;
    static final int MODEL_UNIGRAM = 1;

    record Piece(String piece, float score, int type) {}

    /** Decodes a ModelProto; any structural problem is reported against {@code file}. */
    static SentencePieceModel parse(Path file, byte[] data) {
        try {
            return parse(new ProtoReader(data));
        } catch (IllegalStateException e) {
            throw TokenizerException.forFile(file, "not a valid SentencePiece model: " + e.getMessage(), e);
        }
    }

    private static SentencePieceModel parse(ProtoReader in) {
        List<Piece> pieces = new ArrayList<>();
        // proto2 defaults of TrainerSpec / NormalizerSpec
        int modelType = MODEL_UNIGRAM;
        boolean byteFallback = false;
        boolean suffix = false;
        String name = "";
        byte[] charsMap = new byte[0];
        boolean dummyPrefix = true;
        boolean removeExtra = true;
        boolean escape = true;
        while (in.hasMore()) {
            int key = in.readKey();
            int field = key >>> 3;
            int wire = key & 7;
            if (field == 1 && wire == ProtoReader.LENGTH_DELIMITED) {
                pieces.add(readPiece(in.readMessage()));
            } else if (field == 2 && wire == ProtoReader.LENGTH_DELIMITED) { // TrainerSpec
                ProtoReader t = in.readMessage();
                while (t.hasMore()) {
                    int k = t.readKey();
                    switch (k >>> 3) {
                        case 3 -> modelType = (int) varint(t, k);
                        case 24 -> suffix = varint(t, k) != 0;
                        case 35 -> byteFallback = varint(t, k) != 0;
                        default -> t.skip(k & 7);
                    }
                }
            } else if (field == 3 && wire == ProtoReader.LENGTH_DELIMITED) { // NormalizerSpec
                ProtoReader n = in.readMessage();
                while (n.hasMore()) {
                    int k = n.readKey();
                    int f = k >>> 3;
                    if (f == 1 && (k & 7) == ProtoReader.LENGTH_DELIMITED) {
                        name = n.readString();
                    } else if (f == 2 && (k & 7) == ProtoReader.LENGTH_DELIMITED) {
                        charsMap = n.readBytes();
                    } else if (f == 3) {
                        dummyPrefix = varint(n, k) != 0;
                    } else if (f == 4) {
                        removeExtra = varint(n, k) != 0;
                    } else if (f == 5) {
                        escape = varint(n, k) != 0;
                    } else {
                        n.skip(k & 7);
                    }
                }
            } else {
                in.skip(wire); // self-test data, denormalizer spec, unknown fields
            }
        }
        if (pieces.isEmpty()) {
            throw new IllegalStateException("the model holds no pieces");
        }
        return new SentencePieceModel(List.copyOf(pieces), modelType, byteFallback, suffix, name, charsMap,
                dummyPrefix, removeExtra, escape);
    }

    private static Piece readPiece(ProtoReader p) {
        String piece = null;
        float score = 0f;
        int type = TYPE_NORMAL;
        while (p.hasMore()) {
            int k = p.readKey();
            switch (k >>> 3) {
                case 1 -> {
                    expect(k, ProtoReader.LENGTH_DELIMITED);
                    piece = p.readString();
                }
                case 2 -> {
                    expect(k, ProtoReader.FIXED32);
                    score = p.readFloat();
                }
                case 3 -> type = (int) varint(p, k);
                default -> p.skip(k & 7);
            }
        }
        if (piece == null || piece.isEmpty()) {
            throw new IllegalStateException("a piece has no text");
        }
        return new Piece(piece, score, type);
    }

    private static long varint(ProtoReader r, int key) {
        expect(key, ProtoReader.VARINT);
        return r.readVarint();
    }

    private static void expect(int key, int wire) {
        if ((key & 7) != wire) {
            throw new IllegalStateException("field " + (key >>> 3) + " has wire type " + (key & 7) + ", expected " + wire);
        }
    }
}
