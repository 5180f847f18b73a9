package dev.nibble.engine.io;

import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One memory-mapped safetensors file: an 8-byte little-endian header length N, N bytes of UTF-8 JSON,
 * then the tensor data. The whole header is validated by {@link #open}, so every later call either
 * succeeds or reports a missing name.
 *
 * <p>Tensors returned by {@link #tensor} are read-only slices of the mapping (no copy) and must not be
 * used after {@link #close()}; touching one then throws {@link IllegalStateException}. The mapping is
 * shared, so tensors may be read from any thread while the file is open.
 */
public final class SafetensorsFile implements TensorSource {
    /** The reference implementation's cap; a larger claim is a corrupt file, not a big model. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final SafetensorsHeader header;
    private final SortedSet<String> names;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, SafetensorsHeader header) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.header = header;
        this.names = Collections.unmodifiableSortedSet(new TreeSet<>(header.entries().keySet()));
    }

    /** Maps and validates {@code path}; any problem, I/O included, is a {@link SafetensorsException}. */
    public static SafetensorsFile open(Path path) {
        Objects.requireNonNull(path, "path");
        Arena arena = Arena.ofShared();
        try {
            return map(path, arena);
        } catch (SafetensorsException e) {
            arena.close();
            throw e;
        } catch (IOException e) {
            arena.close();
            throw SafetensorsException.of(path, "cannot read: " + e, e);
        } catch (RuntimeException e) {
            // Nothing unexpected may escape without saying which file caused it.
            arena.close();
            throw SafetensorsException.of(path, "unreadable safetensors file: " + e, e);
        }
    }

    private static SafetensorsFile map(Path path, Arena arena) throws IOException {
        MemorySegment file;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw SafetensorsException.of(path, "file is " + size + " bytes, too short for the 8-byte header length");
            }
            // The mapping outlives the channel; its lifetime is the arena's.
            file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
        long size = file.byteSize();
        long n = file.get(Tensor.I64, 0);
        // Check the claim against the file before allocating anything for it.
        if (n < 0 || n > size - 8) {
            throw SafetensorsException.of(path, "header length " + Long.toUnsignedString(n)
                    + " exceeds the " + (size - 8) + " bytes after the length field");
        }
        if (n > MAX_HEADER_BYTES) {
            throw SafetensorsException.of(path, "header length " + n + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        byte[] json = file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        MemorySegment data = file.asSlice(8 + n);
        SafetensorsHeader header = SafetensorsHeader.parse(path, json, data.byteSize());
        return new SafetensorsFile(path, arena, data, header);
    }

    public Path path() {
        return path;
    }

    @Override
    public SortedSet<String> names() {
        return names;
    }

    @Override
    public boolean contains(String name) {
        return header.entries().containsKey(name);
    }

    @Override
    public TensorSpec spec(String name) {
        return entry(name).spec();
    }

    @Override
    public Tensor tensor(String name) {
        TensorEntry e = entry(name);
        if (closed.get()) {
            throw new IllegalStateException(path + " is closed");
        }
        return new Tensor(e.spec(), data.asSlice(e.begin(), e.byteSize()));
    }

    @Override
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Bytes of tensor data after the header (including any unused gaps). */
    public long dataSize() {
        return data.byteSize();
    }

    private TensorEntry entry(String name) {
        TensorEntry e = header.entries().get(name);
        if (e == null) {
            throw SafetensorsException.ofTensor(path, name, "no such tensor");
        }
        return e;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + names.size() + " tensors]";
    }
}
