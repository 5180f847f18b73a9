package dev.nibble.app.generate;

import dev.nibble.models.common.image.ChwImage;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: the built-in model follows its prompts. For a fixed set of seeds, each single-shape prompt in
 * the trained style is generated at the model's defaults (64x64, 20 steps) and read with the README's image
 * statistics ({@link ShapeStats}). The matched rate (the image's dominant colour / centroid region is the one
 * its prompt names) must be far above the chance rate, measured on the same images against the other
 * prompts' colours and regions. The model card reports 81% / 83% matched on 64 prompts (chance 8% / 14%).
 *
 * <p>The same for its shipped 4-bit version (svdq-int4, models/nibble-shapes-svdq) with the same prompts and
 * seeds: its adherence must stay within a few points of fp32's, and its images close to fp32's (PSNR).
 */
class PromptAdherenceTest {
    record Case(String prompt, String colour, String position) {}

    static final List<Case> CASES = List.of(
            new Case("a large red circle in the center on a white background", "red", "in the center"),
            new Case("a large blue square on the left on a yellow background", "blue", "on the left"),
            new Case("a large green triangle at the top on a white background", "green", "at the top"),
            new Case("a large yellow circle at the bottom on a purple background", "yellow", "at the bottom"),
            new Case("a large purple square at the top left on a gray background", "purple", "at the top left"),
            new Case("a large orange circle at the top right on a black background", "orange", "at the top right"),
            new Case("a large white square at the bottom left on a green background", "white", "at the bottom left"),
            new Case("a large black circle at the bottom right on an orange background", "black", "at the bottom right"));

    /** Seeds 1..N, N from the system property nibble.adherence.seeds (default 4: 32 images per precision). */
    static final long[] SEEDS = java.util.stream.LongStream.rangeClosed(1,
            Long.getLong("nibble.adherence.seeds", 4)).toArray();

    /** Matched and chance rates (percent) of one precision, and its images in generation order. */
    record Adherence(String precision, double colour, double position, double both, double colourChance,
                     double positionChance, List<ChwImage> images) {}

    static Adherence measure(String precision) throws Exception {
        GenerationService service = GenerationService.shared();
        Path dir = Path.of("target", "adherence", precision);
        Files.createDirectories(dir);
        List<ShapeStats.Reading> readings = new ArrayList<>();
        List<Case> cases = new ArrayList<>();
        List<ChwImage> images = new ArrayList<>();
        long t0 = System.nanoTime();
        for (long seed : SEEDS) {
            for (int i = 0; i < CASES.size(); i++) {
                Case c = CASES.get(i);
                assertTrue(BuiltInModel.unknownWords(c.prompt()).isEmpty(), c.prompt());
                GenerationResult r = service.generate(GenerationRequest.builder(c.prompt()).seed(seed)
                        .precision(precision).build(), null);
                assertEquals(precision, r.precision());
                r.writePng(dir.resolve(String.format(Locale.ROOT, "seed%d-%d-%s.png", seed, i, c.colour())));
                ShapeStats.Reading reading = ShapeStats.read(r.image());
                readings.add(reading);
                cases.add(c);
                images.add(r.image());
                System.out.printf(Locale.ROOT, "adherence %s: seed %d  %-66s %s%n", precision, seed, c.prompt(), reading);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int n = readings.size();
        int colourOk = 0;
        int positionOk = 0;
        int bothOk = 0;
        int colourChance = 0;
        int positionChance = 0;
        int pairs = 0;
        for (int i = 0; i < n; i++) {
            ShapeStats.Reading r = readings.get(i);
            Case c = cases.get(i);
            boolean col = r.colourIs(c.colour());
            boolean pos = r.regionIs(ShapeStats.REGIONS.get(c.position()));
            colourOk += col ? 1 : 0;
            positionOk += pos ? 1 : 0;
            bothOk += col && pos ? 1 : 0;
            for (Case other : CASES) {
                if (other.equals(c)) {
                    continue;
                }
                pairs++;
                colourChance += r.colourIs(other.colour()) ? 1 : 0;
                positionChance += r.regionIs(ShapeStats.REGIONS.get(other.position())) ? 1 : 0;
            }
        }
        Adherence a = new Adherence(precision, 100.0 * colourOk / n, 100.0 * positionOk / n, 100.0 * bothOk / n,
                100.0 * colourChance / pairs, 100.0 * positionChance / pairs, images);
        System.out.printf(Locale.ROOT, "adherence %s: %d images (%d prompts x %d seeds, 20 steps) in %.1f s: colour %.1f%% "
                        + "(mismatched prompts %.1f%%), position %.1f%% (mismatched %.1f%%), both %.1f%%; images in %s%n",
                precision, n, CASES.size(), SEEDS.length, seconds, a.colour(), a.colourChance(), a.position(),
                a.positionChance(), a.both(), dir.toAbsolutePath());
        return a;
    }

    static void assertFollowsPrompts(Adherence a) {
        assertTrue(a.colour() >= 60 && a.colour() - a.colourChance() >= 40, String.format(Locale.ROOT,
                "%s colour adherence %.1f%% vs chance %.1f%%", a.precision(), a.colour(), a.colourChance()));
        assertTrue(a.position() >= 60 && a.position() - a.positionChance() >= 40, String.format(Locale.ROOT,
                "%s position adherence %.1f%% vs chance %.1f%%", a.precision(), a.position(), a.positionChance()));
    }

    @Test
    void builtInModelFollowsColourAndPosition() throws Exception {
        assertFollowsPrompts(measure("fp32"));
    }

    /**
     * The shipped 4-bit model on the same prompts and seeds. Measured (CPU backend, 8 seeds, 64 images per
     * precision): colour 90.6% vs fp32 90.6%, position 85.9% vs 85.9%, both 79.7% vs 78.1% (chance 1.3% / 1.8%);
     * see models/nibble-shapes-svdq/README.md. With the default 4 seeds each image is 3.1 points of a rate: the
     * 4-bit rates must be within 12.5 points (four images) of fp32's.
     */
    @Test
    void builtInInt4FollowsPromptsLikeFp32() throws Exception {
        Adherence fp32 = measure("fp32");
        Adherence int4 = measure("svdq-int4");
        assertFollowsPrompts(int4);
        double psnr = 0;
        double worst = Double.POSITIVE_INFINITY;
        for (int i = 0; i < fp32.images().size(); i++) {
            double p = psnr(int4.images().get(i), fp32.images().get(i));
            psnr += p;
            worst = Math.min(worst, p);
        }
        psnr /= fp32.images().size();
        System.out.printf(Locale.ROOT, "adherence svdq-int4 vs fp32: colour %.1f%% vs %.1f%%, position %.1f%% vs %.1f%%, "
                        + "both %.1f%% vs %.1f%%; PSNR of the int4 images against fp32's (same seeds): mean %.2f dB, "
                        + "worst %.2f dB%n", int4.colour(), fp32.colour(), int4.position(), fp32.position(), int4.both(),
                fp32.both(), psnr, worst);
        assertTrue(int4.colour() >= fp32.colour() - 12.5, "int4 colour " + int4.colour() + " vs fp32 " + fp32.colour());
        assertTrue(int4.position() >= fp32.position() - 12.5,
                "int4 position " + int4.position() + " vs fp32 " + fp32.position());
        assertTrue(psnr >= MIN_MEAN_PSNR_DB, "mean PSNR int4 vs fp32 " + psnr + " dB");
    }

    /**
     * Lower bound on the mean PSNR of int4 images against fp32's. Measured: 39.8 dB over 16 images (2 seeds),
     * 38.3 dB over 64 (8 seeds; worst single image 19.6 dB, where the two trajectories part ways).
     */
    static final double MIN_MEAN_PSNR_DB = 30;

    /** PSNR in dB of two images with values in [0, 1]. */
    static double psnr(ChwImage a, ChwImage b) {
        float[] x = a.data();
        float[] y = b.data();
        double se = 0;
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - y[i];
            se += d * d;
        }
        double mse = se / x.length;
        return mse == 0 ? 99 : 10 * Math.log10(1 / mse);
    }
}
