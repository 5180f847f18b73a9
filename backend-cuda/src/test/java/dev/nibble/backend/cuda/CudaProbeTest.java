package dev.nibble.backend.cuda;

import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Backends;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe never throws, caches its answer, and says why CUDA is unavailable where it is. */
class CudaProbeTest {

    /** Whether the dynamic linker can find the NVIDIA driver library here. */
    static boolean driverLibraryPresent() {
        Stream<String> dirs = Stream.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu",
                "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/local/cuda/lib64/stubs", "/usr/local/cuda/compat");
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            dirs = Stream.concat(dirs, Stream.of(ld.split(":")));
        }
        return dirs.filter(s -> !s.isBlank()).anyMatch(d -> Files.exists(Path.of(d, "libcuda.so.1")));
    }

    @Test
    void probeIsCachedAndNeverThrows() {
        CudaBackend b = new CudaBackend();
        Availability a = b.probe();
        assertSame(a, b.probe());
        assertFalse(a.reason().isBlank());
        assertEquals("cuda", b.name());
        assertEquals(100, b.score());
        if (a.available()) {
            assertFalse(b.devices().isEmpty(), "an available backend must list a device");
        } else {
            assertTrue(b.devices().isEmpty(), "an unavailable backend lists no devices");
        }
    }

    @Test
    void withoutTheDriverTheReasonNamesLibcuda() {
        if (driverLibraryPresent()) {
            return; // a machine with the NVIDIA driver: CudaConformanceTest covers it
        }
        Availability a = new CudaBackend().probe();
        assertFalse(a.available());
        assertTrue(a.reason().contains("libcuda.so.1"), a.reason());
    }

    @Test
    void isDiscoveredThroughServiceLoader() {
        Backend cuda = Backends.discover().all().stream().filter(b -> b.name().equals("cuda")).findFirst().orElseThrow();
        assertTrue(cuda instanceof CudaBackend);
    }
}
