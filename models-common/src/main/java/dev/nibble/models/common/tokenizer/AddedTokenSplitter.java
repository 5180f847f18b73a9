package dev.nibble.models.common.tokenizer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts added tokens out of a text the way transformers' slow {@code PreTrainedTokenizer.tokenize}
 * does: split on the added tokens (leftmost match, longest first), then apply each token's
 * lstrip/rstrip/single_word rules to its neighbours. Chunks that are not added tokens go to the
 * model's own tokenizer.
 *
 * <p>transformers' trie resolves overlapping tokens with a lookahead; for vocabularies whose added
 * tokens never overlap (all CLIP/T5 files here) that is exactly leftmost-longest matching.
 */
final class AddedTokenSplitter {

    /** One piece of the input: either an added token or text for the model tokenizer. */
    record Chunk(String text, AddedToken token) {
        boolean isAdded() {
            return token != null;
        }
    }

    private final Map<String, AddedToken> byContent = new HashMap<>();
    /** Candidates per first UTF-16 unit, longest first, so the first hit is the longest match. */
    private final Map<Character, List<String>> byFirstChar = new HashMap<>();

    AddedTokenSplitter(Collection<AddedToken> tokens) {
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) {
                continue;
            }
            byContent.put(t.content(), t);
        }
        for (String s : byContent.keySet()) {
            byFirstChar.computeIfAbsent(s.charAt(0), k -> new ArrayList<>()).add(s);
        }
        for (List<String> l : byFirstChar.values()) {
            l.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
        }
    }

    AddedToken lookup(String content) {
        return byContent.get(content);
    }

    List<Chunk> split(String text) {
        List<String> parts = cut(text);
        // Whitespace/single-word rules look at (and rewrite) the neighbouring strings in place,
        // membership is re-tested on the current string, exactly as the reference loop does.
        for (int i = 0; i < parts.size(); i++) {
            AddedToken tok = byContent.get(parts.get(i));
            if (tok == null) {
                continue;
            }
            String left = i > 0 ? parts.get(i - 1) : null;
            String right = i < parts.size() - 1 ? parts.get(i + 1) : null;
            if (tok.rstrip() && right != null && !right.isEmpty()) {
                parts.set(i + 1, PyText.lstrip(right));
            }
            if (tok.lstrip() && left != null && !left.isEmpty()) {
                parts.set(i - 1, PyText.rstrip(left));
            }
            // The single-word test looks at the neighbours as they were before stripping, but glues
            // the token onto the stripped text (reference behaviour, kept on purpose).
            if (tok.singleWord() && left != null && !left.isEmpty() && !left.endsWith(" ")) {
                parts.set(i - 1, parts.get(i - 1) + parts.get(i));
                parts.set(i, "");
            } else if (tok.singleWord() && right != null && !right.isEmpty() && !right.startsWith(" ")) {
                parts.set(i + 1, parts.get(i) + parts.get(i + 1));
                parts.set(i, "");
            }
        }
        List<Chunk> out = new ArrayList<>(parts.size());
        for (String p : parts) {
            if (!p.isEmpty()) {
                out.add(new Chunk(p, byContent.get(p)));
            }
        }
        return out;
    }

    /** Splits the text at every added-token occurrence, keeping tokens as their own parts. */
    private List<String> cut(String text) {
        List<String> parts = new ArrayList<>();
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            String match = matchAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            if (i > plainStart) {
                parts.add(text.substring(plainStart, i));
            }
            parts.add(match);
            i += match.length();
            plainStart = i;
        }
        if (plainStart < text.length()) {
            parts.add(text.substring(plainStart));
        }
        return parts;
    }

    private String matchAt(String text, int i) {
        List<String> candidates = byFirstChar.get(text.charAt(i));
        if (candidates != null) {
            for (String c : candidates) {
                if (text.startsWith(c, i)) {
                    return c;
                }
            }
        }
        return null;
    }
}
