package dev.nibble.backend.cpu;

/** A one-line description of the host CPU for `nibble backends`. */
final class CpuInfo {
    private CpuInfo() {
    }

    static String describe() {
        int cores = Runtime.getRuntime().availableProcessors();
        String vector;
        try {
            vector = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors";
        } catch (LinkageError e) {
            vector = "no Vector API (start the JVM with --add-modules jdk.incubator.vector)";
        }
        return cores + " cores, " + vector + ", " + System.getProperty("os.arch");
    }
}
