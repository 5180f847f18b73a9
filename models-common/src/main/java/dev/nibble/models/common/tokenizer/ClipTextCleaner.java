package dev.nibble.models.common.tokenizer;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;

/**
 * The text cleanup CLIPTokenizer falls back to when ftfy is not installed: transformers'
 * {@code BasicTokenizer(strip_accents=False, do_split_on_punc=False)}. It drops NUL, U+FFFD and
 * control characters, turns whitespace into spaces, puts spaces around CJK ideographs, applies NFC,
 * lower-cases every whitespace-separated word and joins the words with single spaces. Accents are
 * kept and punctuation is not split here (CLIP's regex does that afterwards).
 */
final class ClipTextCleaner {
    private ClipTextCleaner() {}

    static String clean(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isWhitespace(cp)) {
                sb.append(' ');
            } else if (isCjk(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        String nfc = Normalizer.normalize(sb, Normalizer.Form.NFC);
        List<String> words = PyText.splitWhitespace(nfc);
        StringBuilder out = new StringBuilder(nfc.length());
        for (String w : words) {
            // A lower-cased word could in principle contain whitespace; the reference re-splits the
            // joined result, which this split-and-join reproduces.
            for (String part : PyText.splitWhitespace(w.toLowerCase(Locale.ROOT))) {
                if (!out.isEmpty()) {
                    out.append(' ');
                }
                out.append(part);
            }
        }
        return out.toString();
    }

    /** transformers' {@code _is_whitespace}: space, tab, LF, CR or category Zs. */
    static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r'
                || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /** transformers' {@code _is_control}: any category C* except tab, LF and CR. */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                    Character.UNASSIGNED -> true;
            default -> false;
        };
    }

    /** The CJK Unified Ideograph blocks BasicTokenizer isolates (not kana or hangul). */
    static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
