package dev.nibble.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A reader for the fatbin container that {@code nvcc -fatbin} writes: a 16-byte header (magic
 * 0xBA55ED50, version, header size, payload size) followed by entries, each with its own header
 * (kind 1 = PTX text, 2 = ELF cubin; the target architecture; flags) and payload. Only what the
 * backend and its tests need: which architectures are present, and the payload of each entry.
 */
public record Fatbin(List<Entry> entries) {
    public static final int MAGIC = 0xBA55ED50;
    static final int KIND_PTX = 1;
    static final int KIND_ELF = 2;
    /** Entry flag bits that mark a compressed payload (LZ4 in older toolkits, zstd in newer ones). */
    static final long COMPRESSED_FLAGS = 0x2000L | 0x8000L;

    public Fatbin {
        entries = List.copyOf(entries);
    }

    /** One entry: PTX ({@code ptx() == true}) or a cubin for {@code sm_<arch>}. */
    public record Entry(int kind, int arch, long flags, byte[] payload) {
        public boolean ptx() {
            return kind == KIND_PTX;
        }

        public boolean elf() {
            return kind == KIND_ELF;
        }

        public boolean compressed() {
            return (flags & COMPRESSED_FLAGS) != 0;
        }

        /** "sm_90" for a cubin, "compute_90" for PTX. */
        public String label() {
            return (ptx() ? "compute_" : "sm_") + arch;
        }

        /** The PTX text (trailing NULs dropped); only for uncompressed PTX entries. */
        public String ptxText() {
            if (!ptx() || compressed()) {
                throw new IllegalStateException(label() + " is not uncompressed PTX");
            }
            int n = payload.length;
            while (n > 0 && payload[n - 1] == 0) {
                n--;
            }
            return new String(payload, 0, n, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return label() + (compressed() ? " (compressed)" : "") + " " + payload.length + " bytes";
        }
    }

    public static boolean looksLikeFatbin(byte[] data) {
        return data.length >= 16 && ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == MAGIC;
    }

    /** Parses {@code data}; throws IllegalArgumentException naming what is wrong. */
    public static Fatbin parse(byte[] data) {
        if (!looksLikeFatbin(data)) {
            throw new IllegalArgumentException("not a fatbin: bad magic or too short (" + data.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long fatSize = b.getLong(8);
        if (headerSize < 16 || headerSize + fatSize > data.length) {
            throw new IllegalArgumentException("fatbin header claims " + fatSize + " payload bytes after a "
                    + headerSize + "-byte header, but the file has " + data.length);
        }
        List<Entry> out = new ArrayList<>();
        long off = headerSize;
        long end = headerSize + fatSize;
        while (off + 16 <= end) {
            int o = Math.toIntExact(off);
            int kind = Short.toUnsignedInt(b.getShort(o));
            long entryHeader = Integer.toUnsignedLong(b.getInt(o + 4));
            long payload = b.getLong(o + 8);
            if (entryHeader < 48 || off + entryHeader + payload > end || payload < 0) {
                throw new IllegalArgumentException("fatbin entry at byte " + off + " is malformed (header "
                        + entryHeader + ", payload " + payload + ")");
            }
            int arch = b.getInt(o + 28);
            long flags = b.getLong(o + 40);
            int from = Math.toIntExact(off + entryHeader);
            out.add(new Entry(kind, arch, flags, Arrays.copyOfRange(data, from, Math.toIntExact(from + payload))));
            off += entryHeader + payload;
        }
        return new Fatbin(out);
    }

    /** The cubin architectures present, in file order (e.g. [75, 80, 86, 89, 90, 120]). */
    public List<Integer> elfArchs() {
        return entries.stream().filter(Entry::elf).map(Entry::arch).toList();
    }

    /** The PTX virtual architectures present (e.g. [90]). */
    public List<Integer> ptxArchs() {
        return entries.stream().filter(Entry::ptx).map(Entry::arch).toList();
    }

    /**
     * Whether a device of compute capability {@code major.minor} can load this fatbin: a cubin of the
     * same major version and a minor version not above the device's, or PTX of a virtual architecture
     * not above the device's (which the driver compiles at load time).
     */
    public boolean runsOn(int major, int minor) {
        int cc = major * 10 + minor;
        for (Entry e : entries) {
            if (e.elf() && e.arch() / 10 == major && e.arch() <= cc) {
                return true;
            }
            if (e.ptx() && e.arch() <= cc) {
                return true;
            }
        }
        return false;
    }

    public String describe() {
        return entries.stream().map(Entry::label).reduce((a, c) -> a + ", " + c).orElse("empty");
    }
}
