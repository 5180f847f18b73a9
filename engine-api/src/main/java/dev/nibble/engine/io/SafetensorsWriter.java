package dev.nibble.engine.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Writes tensors as a safetensors file, atomically: the bytes go to a temporary file in the target's
 * folder, which is then renamed over the target. A failure at any point removes the temporary file and
 * leaves any existing target untouched.
 *
 * <p>Layout: tensors sorted by name, packed back to back (no gaps, as the reference reader requires),
 * header padded with spaces to a multiple of 8 bytes so the data section starts 8-byte aligned.
 */
public final class SafetensorsWriter {
    /** Bytes handed to the channel per write; bounds the staging copy for heap-backed tensors. */
    private static final int CHUNK = 1 << 20;

    private SafetensorsWriter() {}

    public static void write(Path target, Map<String, Tensor> tensors) {
        write(target, tensors, Map.of());
    }

    /**
     * @param metadata written as {@code __metadata__} exactly as given, and omitted when empty
     * @throws SafetensorsException on invalid input or any I/O failure (the target is then unchanged)
     */
    public static void write(Path target, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(metadata, "metadata");
        TreeMap<String, Tensor> sorted = new TreeMap<>();
        tensors.forEach((name, t) -> sorted.put(Objects.requireNonNull(name, "tensor name"),
                Objects.requireNonNull(t, () -> "tensor '" + name + "'")));
        byte[] header = header(target, sorted, metadata);

        Path abs = target.toAbsolutePath();
        Path tmp;
        try {
            tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
        } catch (IOException | RuntimeException e) {
            throw SafetensorsException.of(target, "cannot create a temporary file next to it: " + e, e);
        }
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Tensor t : sorted.values()) {
                    writeSegment(ch, t.data());
                }
                ch.force(true); // the rename must not publish a file whose data is still only in cache
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw SafetensorsException.of(target, "write failed: " + e, e);
        }
    }

    /** The JSON header, space-padded to a multiple of 8 bytes. */
    static byte[] header(Path target, TreeMap<String, Tensor> sorted, Map<String, String> metadata) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            new TreeMap<>(metadata).forEach((k, v) -> meta.put(Objects.requireNonNull(k, "metadata key"),
                    Objects.requireNonNull(v, () -> "metadata value of '" + k + "'")));
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw SafetensorsException.ofTensor(target, name, "this name is reserved for metadata");
            }
            if (t.dtype() == DType.INT4) {
                // Not a safetensors dtype: no other reader could load it, and ours refuses it too.
                throw SafetensorsException.ofTensor(target, name, "INT4 cannot be stored; store packed bytes as U8");
            }
            ObjectNode entry = root.putObject(name);
            entry.put("dtype", t.dtype().safetensorsName());
            ArrayNode shape = entry.putArray("shape");
            Arrays.stream(t.shape().toArray()).forEach(shape::add);
            long end = Math.addExact(offset, t.byteSize());
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = Json.MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw SafetensorsException.of(target, "cannot encode header: " + e, e);
        }
        byte[] padded = Arrays.copyOf(json, (json.length + 7) & ~7);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    private static void writeSegment(FileChannel ch, MemorySegment seg) throws IOException {
        long size = seg.byteSize();
        byte[] staging = null;
        for (long off = 0; off < size; off += CHUNK) {
            int len = (int) Math.min(CHUNK, size - off);
            MemorySegment part = seg.asSlice(off, len);
            if (part.isNative()) {
                writeFully(ch, part.asByteBuffer());
            } else {
                // Heap segments over float[]/long[] cannot become ByteBuffers; copy through bytes.
                if (staging == null) {
                    staging = new byte[(int) Math.min(CHUNK, size)];
                }
                MemorySegment.copy(part, ValueLayout.JAVA_BYTE, 0, staging, 0, len);
                writeFully(ch, ByteBuffer.wrap(staging, 0, len));
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
