package dev.nibble.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The function symbols of a 64-bit little-endian ELF file (a cubin): the names of its
 * {@code STT_FUNC} symbols that are defined in a section. Enough to check that the kernels the
 * backend looks up by name were compiled into every cubin of the fatbin, without cuobjdump.
 */
final class ElfSymbols {
    private static final int SHT_SYMTAB = 2;
    private static final int STT_FUNC = 2;
    private static final int STB_GLOBAL = 1;

    private ElfSymbols() {
    }

    /** Global function symbols with a section (the kernel entry points of a cubin). */
    static Set<String> globalFunctions(byte[] elf) {
        if (elf.length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') {
            throw new IllegalArgumentException("not an ELF file");
        }
        if (elf[4] != 2 || elf[5] != 1) {
            throw new IllegalArgumentException("not a 64-bit little-endian ELF file");
        }
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3A));
        int shnum = Short.toUnsignedInt(b.getShort(0x3C));
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < shnum; i++) {
            int sh = Math.toIntExact(shoff + (long) i * shentsize);
            if (b.getInt(sh + 4) != SHT_SYMTAB) {
                continue;
            }
            long off = b.getLong(sh + 0x18);
            long size = b.getLong(sh + 0x20);
            int link = b.getInt(sh + 0x28);
            long entsize = b.getLong(sh + 0x38);
            int strSh = Math.toIntExact(shoff + (long) link * shentsize);
            long strOff = b.getLong(strSh + 0x18);
            for (long e = 0; e + entsize <= size; e += entsize) {
                int s = Math.toIntExact(off + e);
                int name = b.getInt(s);
                int info = Byte.toUnsignedInt(b.get(s + 4));
                int shndx = Short.toUnsignedInt(b.getShort(s + 6));
                if ((info & 0xf) == STT_FUNC && (info >> 4) == STB_GLOBAL && shndx != 0) {
                    out.add(cString(elf, Math.toIntExact(strOff + name)));
                }
            }
        }
        return out;
    }

    /** The {@code .entry} names of a PTX text. */
    static Set<String> ptxEntries(String ptx) {
        Set<String> out = new LinkedHashSet<>();
        var m = java.util.regex.Pattern.compile("\\.entry\\s+([A-Za-z_$][\\w$]*)").matcher(ptx);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String cString(byte[] data, int from) {
        int end = from;
        while (end < data.length && data[end] != 0) {
            end++;
        }
        return new String(data, from, end - from, StandardCharsets.UTF_8);
    }
}
