package dev.nibble.models.common.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded SentencePiece unigram model: text to pieces as {@code SentencePieceProcessor.encode(text,
 * out_type=str)} returns them. Normalizes, segments, then merges runs of unknown pieces into one
 * (or, with byte fallback, spells unknown text as {@code <0xXX>} byte pieces).
 */
final class SentencePieceProcessor {
    private final SentencePieceNormalizer normalizer;
    private final UnigramSegmenter segmenter;
    private final Map<String, Integer> normalPieces = new HashMap<>();
    private final Map<String, Integer> reservedPieces = new HashMap<>();
    private final int unkId;
    private final boolean byteFallback;
    private final int pieceCount;

    private SentencePieceProcessor(SentencePieceModel model, Path file) {
        int unk = -1;
        List<byte[]> userDefined = new ArrayList<>();
        List<SentencePieceModel.Piece> pieces = model.pieces();
        for (int id = 0; id < pieces.size(); id++) {
            SentencePieceModel.Piece p = pieces.get(id);
            boolean normal = p.type() == SentencePieceModel.TYPE_NORMAL
                    || p.type() == SentencePieceModel.TYPE_USER_DEFINED || p.type() == SentencePieceModel.TYPE_UNUSED;
            Map<String, Integer> target = normal ? normalPieces : reservedPieces;
            if (target.putIfAbsent(p.piece(), id) != null) {
                throw TokenizerException.forFile(file, "piece '" + p.piece() + "' is defined twice");
            }
            if (p.type() == SentencePieceModel.TYPE_USER_DEFINED) {
                userDefined.add(p.piece().getBytes(StandardCharsets.UTF_8));
            }
            if (p.type() == SentencePieceModel.TYPE_UNKNOWN) {
                if (unk >= 0) {
                    throw TokenizerException.forFile(file, "more than one unknown piece");
                }
                unk = id;
            }
        }
        if (unk < 0) {
            throw TokenizerException.forFile(file, "the model defines no unknown piece");
        }
        this.unkId = unk;
        this.byteFallback = model.byteFallback();
        this.pieceCount = pieces.size();
        PrecompiledCharsMap charsMap;
        try {
            charsMap = model.precompiledCharsMap().length == 0 ? null
                    : PrecompiledCharsMap.decode(model.precompiledCharsMap());
            this.segmenter = new UnigramSegmenter(pieces, unk);
        } catch (IllegalStateException e) {
            throw TokenizerException.forFile(file, e.getMessage(), e);
        }
        this.normalizer = new SentencePieceNormalizer(charsMap, userDefined, model.addDummyPrefix(),
                model.removeExtraWhitespaces(), model.escapeWhitespaces(), model.treatWhitespaceAsSuffix());
    }

    static SentencePieceProcessor load(Path file) {
        SentencePieceModel model = SentencePieceModel.parse(file, TokenizerFiles.readBytes(file));
        if (model.modelType() != SentencePieceModel.MODEL_UNIGRAM) {
            throw TokenizerException.forFile(file, "only unigram SentencePiece models are supported (model_type "
                    + model.modelType() + ")");
        }
        return new SentencePieceProcessor(model, file);
    }

    int pieceCount() {
        return pieceCount;
    }

    int unkId() {
        return unkId;
    }

    /** {@code PieceToId}: control/unknown/byte pieces first, then ordinary pieces, else unk. */
    int pieceToId(String piece) {
        Integer id = reservedPieces.get(piece);
        if (id == null) {
            id = normalPieces.get(piece);
        }
        return id != null ? id : unkId;
    }

    List<String> encodeAsPieces(String text) {
        byte[] normalized = normalizer.normalize(text.getBytes(StandardCharsets.UTF_8));
        List<String> out = new ArrayList<>();
        boolean prevUnk = false;
        for (UnigramSegmenter.Segment s : segmenter.segment(normalized)) {
            boolean unk = s.id() == unkId;
            if (unk && byteFallback) {
                for (int i = s.start(); i < s.end(); i++) {
                    out.add(String.format("<0x%02X>", normalized[i] & 0xFF));
                }
            } else {
                String piece = new String(normalized, s.start(), s.end() - s.start(), StandardCharsets.UTF_8);
                if (unk && prevUnk) {
                    // A run of unknown characters becomes one unknown piece.
                    out.set(out.size() - 1, out.getLast() + piece);
                } else {
                    out.add(piece);
                }
            }
            prevUnk = unk;
        }
        return out;
    }
}
