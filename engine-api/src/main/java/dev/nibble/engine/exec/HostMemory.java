package dev.nibble.engine.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident memory as the kernel counts it (Linux /proc/self/status): the current
 * RSS and its peak (VmHWM). Zero where /proc is absent.
 */
public final class HostMemory {
    private HostMemory() {
    }

    public static long rssBytes() {
        return field("VmRSS:");
    }

    public static long peakRssBytes() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024L;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
