package dev.nibble.backend.cuda;

import dev.nibble.engine.ops.Op;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kernels fatbin on the class path (what the jar carries): present whenever the build had nvcc,
 * with a cubin for each target architecture plus compute_90 PTX, and every kernel the op table
 * names compiled into each of them. The fatbin and ELF readers are checked on synthetic data too.
 */
class KernelImageTest {
    static final List<Integer> SASS_ARCHS = List.of(75, 80, 86, 89, 90, 120);

    @Test
    void builtWheneverNvccWasPresent() {
        KernelImage img = KernelImage.load();
        assertNotNull(img.info().getProperty("built"), "the build always writes nibble_kernels.properties");
        boolean built = Boolean.parseBoolean(img.info().getProperty("built"));
        assertEquals(built, img.present(), "properties say built=" + built + " but the fatbin is "
                + (img.present() ? "present" : "absent") + ": " + img.info());
        if (!built) {
            assertTrue(img.whyAbsent().contains("no kernels built"), img.whyAbsent());
        }
    }

    @Test
    void fatbinHasEveryArchitecture() {
        KernelImage img = KernelImage.load();
        assumeTrue(img.present(), "no fatbin: nvcc was absent at build time (" + img.whyAbsent() + ")");
        Fatbin f = img.fatbin();
        assertEquals(new TreeSet<>(SASS_ARCHS), new TreeSet<>(f.elfArchs()), "cubins in " + f.describe());
        assertEquals(List.of(90), f.ptxArchs(), "PTX in " + f.describe());
        for (int cc : List.of(75, 80, 86, 87, 89, 90, 100, 120)) {
            assertTrue(f.runsOn(cc / 10, cc % 10), "sm_" + cc + " should load " + f.describe());
        }
        assertFalse(f.runsOn(7, 0), "sm_70 has neither a cubin nor compatible PTX");
        for (Fatbin.Entry e : f.entries()) {
            assertFalse(e.compressed(), "the build writes an uncompressed fatbin, but " + e + " is compressed");
        }
    }

    @Test
    void everyKernelIsInEveryCubinAndInThePtx() {
        KernelImage img = KernelImage.load();
        assumeTrue(img.present(), "no fatbin: nvcc was absent at build time");
        Set<String> wanted = KernelNames.all();
        for (Fatbin.Entry e : img.fatbin().entries()) {
            Set<String> have = e.elf() ? ElfSymbols.globalFunctions(e.payload()) : ElfSymbols.ptxEntries(e.ptxText());
            Set<String> missing = new TreeSet<>(wanted);
            missing.removeAll(have);
            assertTrue(missing.isEmpty(), e.label() + " lacks kernels " + missing);
            Set<String> unused = new TreeSet<>(have);
            unused.removeAll(wanted);
            assertTrue(unused.isEmpty(), e.label() + " has kernels no op launches: " + unused
                    + " (add them to KernelNames or drop them)");
        }
    }

    @Test
    void everyOpOfTheCatalogueMapsToKernels() {
        Set<String> ops = new TreeSet<>();
        for (Class<?> c : Op.class.getPermittedSubclasses()) {
            ops.add(c.getSimpleName());
        }
        Set<String> mapped = new TreeSet<>();
        KernelNames.BY_OP.forEach((k, v) -> {
            assertFalse(v.isEmpty(), k.getSimpleName() + " maps to no kernel");
            mapped.add(k.getSimpleName());
        });
        assertEquals(ops, mapped, "KernelNames must cover the op catalogue exactly");
        Set<String> implemented = new TreeSet<>();
        CudaOps.implemented().forEach(c -> implemented.add(c.getSimpleName()));
        assertEquals(ops, implemented, "CudaOps must implement every op");
    }

    @Test
    void fatbinReaderOnSyntheticData() {
        byte[] elf = {0x7f, 'E', 'L', 'F'};
        byte[] ptx = ".version 9.0\n.entry nb_x(\n)\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(16 + 64 + elf.length + 64 + ptx.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Fatbin.MAGIC).putShort((short) 1).putShort((short) 16).putLong(64 + elf.length + 64 + ptx.length);
        entry(b, 2, 86, elf);
        entry(b, 1, 90, ptx);
        Fatbin f = Fatbin.parse(b.array());
        assertEquals(List.of(86), f.elfArchs());
        assertEquals(List.of(90), f.ptxArchs());
        assertEquals(Set.of("nb_x"), ElfSymbols.ptxEntries(f.entries().get(1).ptxText()));
        assertEquals("sm_86, compute_90", f.describe());
        assertTrue(f.runsOn(8, 9));
        assertFalse(f.runsOn(8, 0), "an sm_86 cubin does not run on sm_80, and compute_90 PTX needs sm_90+");
        assertThrows(IllegalArgumentException.class, () -> Fatbin.parse(new byte[] {1, 2, 3}));
        byte[] truncated = java.util.Arrays.copyOf(b.array(), 100);
        assertThrows(IllegalArgumentException.class, () -> Fatbin.parse(truncated));
    }

    private static void entry(ByteBuffer b, int kind, int arch, byte[] payload) {
        int start = b.position();
        b.putShort((short) kind).putShort((short) 0x101).putInt(64).putLong(payload.length);
        b.position(start + 28);
        b.putInt(arch);
        b.position(start + 40);
        b.putLong(0x11);
        b.position(start + 64);
        b.put(payload);
    }
}
