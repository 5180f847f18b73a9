package dev.nibble.bench.metrics;

import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.ImageIo;
import dev.nibble.models.common.image.PixelRange;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The Inception statistics of a folder of images — the real images FID is usually measured against (the
 * SVDQuant paper's "quality" FID, e.g. MJHQ-30K), as opposed to the 4-bit-against-16-bit FID. Images are
 * read one batch at a time, so the folder may be far larger than memory.
 *
 * @param name   how reports name the set (the folder's name)
 * @param stats  mean and covariance of the pool3 features
 * @param images how many images the statistics cover
 */
public record FidReferenceSet(String name, GaussianStats stats, int images) {
    /** Image files read from a folder (not its sub-folders), in name order. */
    public static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

    /** Features of every PNG/JPEG image directly in {@code dir}; needs at least two. */
    public static FidReferenceSet of(Path dir, FidInception net) {
        List<Path> files = imageFiles(dir);
        if (files.size() < 2) {
            throw new IllegalArgumentException(dir + ": FID needs at least 2 reference images (PNG or JPEG), found "
                    + files.size());
        }
        GaussianStats.Accumulator acc = new GaussianStats.Accumulator(FidInception.DIMENSION);
        for (int from = 0; from < files.size(); from += FidInception.BATCH) {
            List<ChwImage> batch = new ArrayList<>();
            for (Path f : files.subList(from, Math.min(files.size(), from + FidInception.BATCH))) {
                batch.add(ImageIo.readRgb(f));
            }
            for (float[] feature : net.features(batch, PixelRange.SIGNED)) {
                acc.add(feature);
            }
        }
        return new FidReferenceSet(dir.getFileName().toString(), acc.stats(), files.size());
    }

    static List<Path> imageFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no such folder of reference images");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> EXTENSIONS.stream().anyMatch(e -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e)))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list the reference images", e);
        }
    }

    /** FID of a set of features against this set. */
    public FrechetDistance.Result distance(float[][] features) {
        return FrechetDistance.compute(features, stats);
    }
}
