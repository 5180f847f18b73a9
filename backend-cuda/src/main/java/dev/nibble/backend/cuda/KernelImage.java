package dev.nibble.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The kernels fatbin that the build put into this jar (or its absence), with the build's own note
 * ({@code nibble_kernels.properties}: built=true|false, reason, archs, nvcc).
 */
record KernelImage(byte[] bytes, Fatbin fatbin, Properties info) {
    static final String FATBIN_RESOURCE = "/dev/nibble/backend/cuda/nibble_kernels.fatbin";
    static final String INFO_RESOURCE = "/dev/nibble/backend/cuda/nibble_kernels.properties";

    /** The image on the class path; {@code bytes} and {@code fatbin} are null when none was built. */
    static KernelImage load() {
        Properties p = new Properties();
        try (InputStream in = KernelImage.class.getResourceAsStream(INFO_RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            p.setProperty("reason", "unreadable " + INFO_RESOURCE + ": " + e);
        }
        try (InputStream in = KernelImage.class.getResourceAsStream(FATBIN_RESOURCE)) {
            if (in == null) {
                return new KernelImage(null, null, p);
            }
            byte[] b = in.readAllBytes();
            return new KernelImage(b, Fatbin.parse(b), p);
        } catch (IOException | IllegalArgumentException e) {
            p.setProperty("reason", "the kernels fatbin in this jar is unreadable: " + e.getMessage());
            return new KernelImage(null, null, p);
        }
    }

    boolean present() {
        return fatbin != null;
    }

    /** Why there are no kernels, in words. */
    String whyAbsent() {
        String r = info.getProperty("reason");
        return "no kernels built into this jar (" + (r == null ? "nvcc was absent at build time" : r) + ")";
    }
}
