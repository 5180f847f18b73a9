package dev.nibble.models.common.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Wire-format reader, piece-level details and Python whitespace semantics. */
class TokenizerPartsTest {

    @Test
    void readsVarintsFloatsAndNestedMessages() {
        // field 1 (varint) = 300; field 2 (fixed32) = 1.5f; field 3 (bytes) = message{field 1 = "hi"}
        byte[] msg = {0x08, (byte) 0xAC, 0x02, 0x15, 0, 0, (byte) 0xC0, 0x3F, 0x1A, 4, 0x0A, 2, 'h', 'i'};
        ProtoReader r = new ProtoReader(msg);
        assertEquals(1 << 3, r.readKey());
        assertEquals(300, r.readVarint());
        assertEquals((2 << 3) | 5, r.readKey());
        assertEquals(1.5f, r.readFloat());
        assertEquals((3 << 3) | 2, r.readKey());
        ProtoReader sub = r.readMessage();
        assertFalse(r.hasMore());
        assertEquals((1 << 3) | 2, sub.readKey());
        assertEquals("hi", sub.readString());
    }

    @Test
    void rejectsTruncatedFields() {
        ProtoReader r = new ProtoReader(new byte[] {0x0A, 5, 'a'});
        r.readKey();
        assertThrows(IllegalStateException.class, r::readBytes);
        assertThrows(IllegalStateException.class, () -> new ProtoReader(new byte[] {(byte) 0x80}).readVarint());
    }

    @Test
    void unknownRunsMergeIntoOnePiece() {
        SentencePieceProcessor sp = SentencePieceProcessor.load(
                SharedData.golden("models/flux_dev/tokenizer_2").resolve(T5Tokenizer.SPIECE));
        // '!' is not in this small model: three of them are one unknown piece, mapped to <unk>.
        List<String> pieces = sp.encodeAsPieces("wow!!!");
        assertEquals("!!!", pieces.getLast());
        assertEquals(sp.unkId(), sp.pieceToId("!!!"));
        assertEquals(1, sp.pieceToId("</s>"));
    }

    @Test
    void nmtNfkcRulesComeFromTheModel() {
        SentencePieceProcessor sp = SentencePieceProcessor.load(
                Path.of(SharedData.golden("models/flux_dev/tokenizer_2").toString(), T5Tokenizer.SPIECE));
        // full-width letters fold to ASCII; the fi ligature splits into two letters
        assertEquals(sp.encodeAsPieces("text fi"), sp.encodeAsPieces("ｔｅｘｔ ﬁ"));
    }

    @Test
    void pythonWhitespaceSemantics() {
        assertTrue(PyText.isSpace('\u00A0'));   // no-break space: Zs
        assertTrue(PyText.isSpace('\u2028'));   // line separator: bidi WS
        assertTrue(PyText.isSpace('\u001C'));   // file separator: bidi B
        assertFalse(PyText.isSpace('\u200B'));  // zero-width space is a format char, not space
        assertEquals(List.of("a", "b"), PyText.splitWhitespace("\u3000a\u00A0\tb "));
        assertEquals("x ", PyText.lstrip("\u2003x "));
        assertEquals(" x", PyText.rstrip(" x\u2029"));
    }
}
