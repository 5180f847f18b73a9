package dev.nibble.models.common.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Best segmentation of normalized UTF-8 under a unigram language model: SentencePiece's optimized
 * Viterbi ({@code EncodeOptimized}). Path scores are float sums of piece scores; a character no
 * piece of one character covers becomes an unknown node scored {@code min_score - 10}; ties keep the
 * earlier candidate.
 */
final class UnigramSegmenter {
    private static final float UNK_PENALTY = 10.0f;

    /** One piece of the best path: normalized bytes {@code [start, end)} with vocabulary id. */
    record Segment(int start, int end, int id) {}

    private final PieceTrie trie;
    private final float[] scores;
    private final int[] types;
    private final int unkId;
    private final float minScore;
    private final float maxScore;

    UnigramSegmenter(List<SentencePieceModel.Piece> pieces, int unkId) {
        this.unkId = unkId;
        this.scores = new float[pieces.size()];
        this.types = new int[pieces.size()];
        this.trie = new PieceTrie();
        // Reference starts from FLT_MAX / FLT_MIN (the smallest positive float) and only looks at
        // NORMAL pieces; the max only matters for user-defined pieces.
        float min = Float.MAX_VALUE;
        float max = Float.MIN_NORMAL;
        for (int id = 0; id < pieces.size(); id++) {
            SentencePieceModel.Piece p = pieces.get(id);
            scores[id] = p.score();
            types[id] = p.type();
            if (p.type() == SentencePieceModel.TYPE_NORMAL) {
                min = Math.min(min, p.score());
                max = Math.max(max, p.score());
            }
            if (p.type() == SentencePieceModel.TYPE_NORMAL || p.type() == SentencePieceModel.TYPE_USER_DEFINED
                    || p.type() == SentencePieceModel.TYPE_UNUSED) {
                trie.add(p.piece().getBytes(java.nio.charset.StandardCharsets.UTF_8), id);
            }
        }
        this.minScore = min == Float.MAX_VALUE ? 0f : min;
        this.maxScore = max == Float.MIN_NORMAL ? 0f : max;
    }

    List<Segment> segment(byte[] text) {
        int size = text.length;
        if (size == 0) {
            return List.of();
        }
        float unkScore = minScore - UNK_PENALTY;
        // Best path ending at each byte offset (exclusive end).
        float[] bestScore = new float[size + 1];
        int[] bestStart = new int[size + 1];
        int[] bestId = new int[size + 1];
        Arrays.fill(bestStart, -1);
        int startsAt = 0;
        while (startsAt < size) {
            float tillHere = bestScore[startsAt];
            boolean hasSingleNode = false;
            int mblen = Math.min(Utf8.oneCharLen(text[startsAt]), size - startsAt);
            int node = PieceTrie.ROOT;
            for (int keyPos = startsAt; keyPos < size; ) {
                node = trie.child(node, text[keyPos]);
                keyPos++;
                if (node < 0) {
                    break;
                }
                int id = trie.pieceAt(node);
                if (id < 0 || types[id] == SentencePieceModel.TYPE_UNUSED) {
                    continue;
                }
                int length = keyPos - startsAt;
                // Float sums as in the reference; user-defined pieces get a bonus so they always win,
                // computed there in double because of the double literal.
                double candidate = types[id] == SentencePieceModel.TYPE_USER_DEFINED
                        ? (length * maxScore) - 0.1 + tillHere
                        : scores[id] + tillHere;
                if (bestStart[keyPos] == -1 || candidate > bestScore[keyPos]) {
                    bestScore[keyPos] = (float) candidate;
                    bestStart[keyPos] = startsAt;
                    bestId[keyPos] = id;
                }
                if (length == mblen) {
                    hasSingleNode = true;
                }
            }
            if (!hasSingleNode) {
                int end = startsAt + mblen;
                float candidate = unkScore + tillHere;
                if (bestStart[end] == -1 || candidate > bestScore[end]) {
                    bestScore[end] = candidate;
                    bestStart[end] = startsAt;
                    bestId[end] = unkId;
                }
            }
            startsAt += mblen;
        }
        List<Segment> out = new ArrayList<>();
        for (int end = size; end > 0; ) {
            int start = bestStart[end];
            out.add(new Segment(start, end, bestId[end]));
            end = start;
        }
        Collections.reverse(out);
        return out;
    }

    /** Byte trie over piece strings; a node may carry the id of the piece ending there. */
    private static final class PieceTrie {
        static final int ROOT = 0;
        private final Map<Long, Integer> edges = new HashMap<>();
        private int[] pieceAt = {-1};
        private int nodes = 1;

        void add(byte[] key, int id) {
            int node = ROOT;
            for (byte b : key) {
                long edge = edgeKey(node, b);
                Integer next = edges.get(edge);
                if (next == null) {
                    next = nodes++;
                    edges.put(edge, next);
                    if (nodes > pieceAt.length) {
                        int old = pieceAt.length;
                        pieceAt = Arrays.copyOf(pieceAt, old * 2);
                        Arrays.fill(pieceAt, old, pieceAt.length, -1);
                    }
                }
                node = next;
            }
            if (pieceAt[node] >= 0) {
                throw new IllegalStateException("piece defined twice (ids " + pieceAt[node] + " and " + id + ")");
            }
            pieceAt[node] = id;
        }

        int child(int node, byte b) {
            Integer next = edges.get(edgeKey(node, b));
            return next == null ? -1 : next;
        }

        int pieceAt(int node) {
            return pieceAt[node];
        }

        private static long edgeKey(int node, byte b) {
            return ((long) node << 8) | (b & 0xFF);
        }
    }
}
