package dev.nibble.models.common.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair merging of one word by merge rank, as CLIP's {@code bpe()}: the word's last symbol
 * carries the {@code </w>} end-of-word marker, then the lowest-ranked adjacent pair is merged
 * everywhere (left to right) until no ranked pair is left.
 */
final class BpeMerges {
    static final String END_OF_WORD = "</w>";
    /** CLIP reads at most this many merge lines (49152 - 256 - 2). */
    static final int MAX_MERGES = 49152 - 256 - 2;

    private final Map<String, Integer> ranks;
    /** Words that bypass BPE, as the reference pre-seeds its cache with the two special tokens. */
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    private BpeMerges(Map<String, Integer> ranks, List<String> verbatim) {
        this.ranks = ranks;
        for (String v : verbatim) {
            cache.put(v, List.of(v));
        }
    }

    /**
     * Parses merges.txt: the first line (the {@code #version} header) is skipped unconditionally and
     * a rank is the line's index after it; a pair listed twice keeps its later rank.
     */
    static BpeMerges parse(String mergesText, List<String> verbatimWords) {
        String[] lines = mergesText.strip().split("\n", -1);
        Map<String, Integer> ranks = new HashMap<>();
        int end = Math.min(lines.length, 1 + MAX_MERGES);
        for (int i = 1; i < end; i++) {
            String[] parts = lines[i].trim().split("\\s+");
            if (parts.length == 2) {
                ranks.put(key(parts[0], parts[1]), i - 1);
            }
        }
        return new BpeMerges(ranks, verbatimWords);
    }

    int size() {
        return ranks.size();
    }

    private static String key(String a, String b) {
        return a + ' ' + b; // symbols never contain a space: the byte alphabet has none
    }

    /** The BPE symbols of one byte-level encoded word (non-empty). */
    List<String> apply(String word) {
        List<String> cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        List<String> result = merge(word);
        if (cache.size() < 100_000) {
            cache.put(word, result);
        }
        return result;
    }

    private List<String> merge(String word) {
        List<String> symbols = new ArrayList<>();
        int n = word.codePointCount(0, word.length());
        int idx = 0;
        for (int k = 0; k < n; k++) {
            int next = word.offsetByCodePoints(idx, 1);
            String sym = word.substring(idx, next);
            symbols.add(k == n - 1 ? sym + END_OF_WORD : sym);
            idx = next;
        }
        while (symbols.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer r = ranks.get(key(symbols.get(i), symbols.get(i + 1)));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    first = symbols.get(i);
                    second = symbols.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(symbols.size());
            for (int i = 0; i < symbols.size(); ) {
                if (i + 1 < symbols.size() && symbols.get(i).equals(first) && symbols.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(symbols.get(i));
                    i++;
                }
            }
            symbols = merged;
        }
        return List.copyOf(symbols);
    }
}
