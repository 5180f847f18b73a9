package dev.nibble.app.generate;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: the built-in model follows its prompts. For a fixed set of seeds, each single-shape prompt in
 * the trained style is generated at the model's defaults (64x64, 20 steps) and read with the README's image
 * statistics ({@link ShapeStats}). The matched rate (the image's dominant colour / centroid region is the one
 * its prompt names) must be far above the chance rate, measured on the same images against the other
 * prompts' colours and regions. The model card reports 81% / 83% matched on 64 prompts (chance 8% / 14%).
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

    static final long[] SEEDS = {1, 2};

    @Test
    void builtInModelFollowsColourAndPosition() throws Exception {
        GenerationService service = GenerationService.shared();
        Path dir = Path.of("target", "adherence");
        Files.createDirectories(dir);
        List<ShapeStats.Reading> readings = new ArrayList<>();
        List<Case> cases = new ArrayList<>();
        long t0 = System.nanoTime();
        for (long seed : SEEDS) {
            for (int i = 0; i < CASES.size(); i++) {
                Case c = CASES.get(i);
                assertTrue(BuiltInModel.unknownWords(c.prompt()).isEmpty(), c.prompt());
                GenerationResult r = service.generate(GenerationRequest.builder(c.prompt()).seed(seed).build(), null);
                r.writePng(dir.resolve(String.format(Locale.ROOT, "seed%d-%d-%s.png", seed, i, c.colour())));
                ShapeStats.Reading reading = ShapeStats.read(r.image());
                readings.add(reading);
                cases.add(c);
                System.out.printf(Locale.ROOT, "adherence: seed %d  %-66s %s%n", seed, c.prompt(), reading);
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
        double colour = 100.0 * colourOk / n;
        double position = 100.0 * positionOk / n;
        double both = 100.0 * bothOk / n;
        double colourBase = 100.0 * colourChance / pairs;
        double positionBase = 100.0 * positionChance / pairs;
        System.out.printf(Locale.ROOT, "adherence: %d images (%d prompts x %d seeds, 20 steps) in %.1f s: colour %.1f%% "
                        + "(mismatched prompts %.1f%%), position %.1f%% (mismatched %.1f%%), both %.1f%%; images in %s%n",
                n, CASES.size(), SEEDS.length, seconds, colour, colourBase, position, positionBase, both,
                dir.toAbsolutePath());
        assertTrue(colour >= 60 && colour - colourBase >= 40, String.format(Locale.ROOT,
                "colour adherence %.1f%% vs chance %.1f%%", colour, colourBase));
        assertTrue(position >= 60 && position - positionBase >= 40, String.format(Locale.ROOT,
                "position adherence %.1f%% vs chance %.1f%%", position, positionBase));
    }
}
