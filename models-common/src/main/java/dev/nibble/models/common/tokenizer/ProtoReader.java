package dev.nibble.models.common.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Minimal protobuf wire-format reader (varints, fixed32/64 and length-delimited fields): enough to
 * walk a SentencePiece ModelProto without a protobuf library. Malformed input raises
 * {@link IllegalStateException}; the caller turns it into an error naming the file.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private int pos;
    private final int end;

    ProtoReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    private ProtoReader(byte[] buf, int from, int to) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
    }

    boolean hasMore() {
        return pos < end;
    }

    /** Reads a field key; returns it whole (field number = key >>> 3, wire type = key & 7). */
    int readKey() {
        long key = readVarint();
        if (key <= 0 || key > Integer.MAX_VALUE || (key >>> 3) == 0) {
            throw new IllegalStateException("invalid field key " + key + " at byte " + pos);
        }
        return (int) key;
    }

    long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = next();
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalStateException("varint longer than 10 bytes at byte " + pos);
    }

    boolean readBool() {
        return readVarint() != 0;
    }

    float readFloat() {
        int bits = (next() & 0xFF) | (next() & 0xFF) << 8 | (next() & 0xFF) << 16 | (next() & 0xFF) << 24;
        return Float.intBitsToFloat(bits);
    }

    byte[] readBytes() {
        int len = length();
        byte[] out = new byte[len];
        System.arraycopy(buf, pos, out, 0, len);
        pos += len;
        return out;
    }

    String readString() {
        int len = length();
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    /** A reader over the embedded message that follows; this reader skips past it. */
    ProtoReader readMessage() {
        int len = length();
        ProtoReader sub = new ProtoReader(buf, pos, pos + len);
        pos += len;
        return sub;
    }

    void skip(int wireType) {
        switch (wireType) {
            case VARINT -> readVarint();
            case FIXED64 -> advance(8);
            case LENGTH_DELIMITED -> advance(length());
            case FIXED32 -> advance(4);
            default -> throw new IllegalStateException("unsupported wire type " + wireType + " at byte " + pos);
        }
    }

    private int length() {
        long len = readVarint();
        if (len < 0 || len > end - pos) {
            throw new IllegalStateException("field length " + len + " runs past the end (byte " + pos + ")");
        }
        return (int) len;
    }

    private void advance(int n) {
        if (n > end - pos) {
            throw new IllegalStateException("truncated field at byte " + pos);
        }
        pos += n;
    }

    private byte next() {
        if (pos >= end) {
            throw new IllegalStateException("unexpected end of data");
        }
        return buf[pos++];
    }
}
