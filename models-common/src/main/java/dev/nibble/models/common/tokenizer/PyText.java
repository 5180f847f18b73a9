package dev.nibble.models.common.tokenizer;

/**
 * Python {@code str} semantics that the reference tokenizers rely on. Java's own notions of
 * whitespace differ ({@link Character#isWhitespace} excludes no-break spaces, {@link String#strip}
 * uses yet another set), so the exact Python definitions are spelled out here.
 */
final class PyText {
    private PyText() {}

    /** {@code str.isspace()}: general category Zs, or bidirectional class WS, B or S. */
    static boolean isSpace(int cp) {
        if (Character.getType(cp) == Character.SPACE_SEPARATOR) {
            return true;
        }
        byte dir = Character.getDirectionality(cp);
        return dir == Character.DIRECTIONALITY_WHITESPACE
                || dir == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR
                || dir == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
    }

    /** {@code s.lstrip()} with no argument. */
    static String lstrip(String s) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!isSpace(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    /** {@code s.rstrip()} with no argument. */
    static String rstrip(String s) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    /** {@code s.split()} with no argument: runs of whitespace separate, empty pieces dropped. */
    static java.util.List<String> splitWhitespace(String s) {
        java.util.List<String> out = new java.util.ArrayList<>();
        int start = -1;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (isSpace(cp)) {
                if (start >= 0) {
                    out.add(s.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            out.add(s.substring(start));
        }
        return out;
    }
}
