package dev.nibble.engine.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds safetensors bytes by hand, so tests can produce files our writer never would. */
final class RawFile {
    private RawFile() {}

    /** Length field = header length, then the header text, then {@code dataBytes} bytes 0, 1, 2, ... */
    static byte[] of(String header, int dataBytes) {
        return of(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    static byte[] of(byte[] header, int dataBytes) {
        return withLength(header.length, header, dataBytes);
    }

    /** Like {@link #of} but with an arbitrary (possibly lying) length field. */
    static byte[] withLength(long lengthField, byte[] header, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(lengthField).put(header);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    /** Header length field of an existing file image. */
    static long lengthField(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    static String headerText(byte[] file) {
        return new String(file, 8, (int) lengthField(file), StandardCharsets.UTF_8);
    }
}
