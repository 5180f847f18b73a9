package dev.nibble.app.generate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The model shipped in {@code models/nibble-shapes}: a tiny FLUX.1-schnell-architecture model trained on
 * coloured shapes. Everything here is taken from its model card, {@code models/nibble-shapes-info/README.md}
 * ("How to sample" and "The domain and the prompt style it understands"); the model folder itself is left
 * exactly as shipped.
 */
public final class BuiltInModel {
    /** What {@code --model} accepts for it (also the default when {@code --model} is omitted). */
    public static final String NAME = "nibble-shapes";

    /**
     * Its SVDQuant 4-bit version, shipped beside it ({@code models/nibble-shapes-svdq}): what
     * {@code --precision svdq-int4} runs for the built-in model. Made by {@code nibble quantize} with the model's
     * own calibration prompts (see that folder's README.md).
     */
    public static final String SVDQ_NAME = NAME + "-svdq";

    /** README "How to sample": 64 x 64 (diffusers' 512 default is wrong for this model). */
    public static final int SIZE = 64;

    /** README "How to sample": trained and measured at 20 steps. */
    public static final int STEPS = 20;

    /**
     * README "How to sample": T5 padding length 32, which is also tokenizer_2's model_max_length, so the
     * general rule min(512, model_max_length) gives the same value; kept here to say where it comes from.
     */
    public static final int MAX_SEQUENCE_LENGTH = 32;

    /** README grammar, vocabulary lists. */
    public static final List<String> SHAPES = List.of("circle", "square", "triangle");
    public static final List<String> COLOURS = List.of("red", "green", "blue", "yellow", "purple", "orange", "white",
            "black");
    /** Background colours: the shape colours plus gray. */
    public static final List<String> BACKGROUND_COLOURS = List.of("red", "green", "blue", "yellow", "purple", "orange",
            "white", "black", "gray");
    public static final List<String> SIZES = List.of("small", "large");
    /** Single-shape positions, in the README's wording. */
    public static final List<String> POSITIONS = List.of("on the left", "on the right", "at the top", "at the bottom",
            "in the center", "at the top left", "at the top right", "at the bottom left", "at the bottom right");
    /** Two-shape relations. */
    public static final List<String> RELATIONS = List.of("to the left of", "to the right of", "above", "below", "and");

    /** Every word the grammar can produce. */
    public static final Set<String> VOCABULARY = vocabulary();

    /** Prompts in the trained style (README examples). */
    public static final List<String> EXAMPLE_PROMPTS = List.of(
            "a large red circle on a blue background",
            "a small yellow triangle at the top left",
            "a green square to the left of a purple circle",
            "a small white circle at the bottom right on a black background");

    private BuiltInModel() {
    }

    private static Set<String> vocabulary() {
        Set<String> v = new LinkedHashSet<>(List.of("a", "an", "on", "background"));
        v.addAll(SHAPES);
        v.addAll(BACKGROUND_COLOURS);
        v.addAll(SIZES);
        for (String p : POSITIONS) {
            v.addAll(List.of(p.split(" ")));
        }
        for (String r : RELATIONS) {
            v.addAll(List.of(r.split(" ")));
        }
        return Set.copyOf(v);
    }

    /**
     * Words of {@code prompt} the model never saw in training, in order of appearance, each once. Words are
     * runs of letters, compared as written (the training captions are all lower case, so "Red" is unknown
     * to the T5 tokenizer's vocabulary just as "crimson" is).
     */
    public static List<String> unknownWords(String prompt) {
        Set<String> out = new LinkedHashSet<>();
        for (String w : prompt.split("[^\\p{L}\\p{N}]+")) {
            if (!w.isEmpty() && !VOCABULARY.contains(w)) {
                out.add(w);
            }
        }
        return new ArrayList<>(out);
    }

    /** The warning for a prompt with unknown words, or null when every word is in the vocabulary. */
    public static String vocabularyWarning(String prompt) {
        List<String> unknown = unknownWords(prompt);
        if (unknown.isEmpty()) {
            return null;
        }
        boolean upper = unknown.stream().anyMatch(w -> !w.equals(w.toLowerCase(Locale.ROOT))
                && VOCABULARY.contains(w.toLowerCase(Locale.ROOT)));
        return "the built-in model " + NAME + " was never trained on " + (unknown.size() == 1 ? "the word " : "the words ")
                + String.join(", ", unknown.stream().map(w -> "'" + w + "'").toList())
                + "; they act as noise" + (upper ? " (its prompts are all lower case)" : "")
                + ". It knows shapes " + SHAPES + ", colours " + BACKGROUND_COLOURS + ", sizes " + SIZES
                + ", positions and relations; e.g. \"" + EXAMPLE_PROMPTS.get(0) + "\"";
    }

    /**
     * The shipped folder: {@code <nibble.home>/models/nibble-shapes} (the launcher sets the system property
     * nibble.home), else the first {@code models/nibble-shapes} in the working directory or one of its parents.
     */
    public static Path folder() {
        return shipped(NAME);
    }

    /** The shipped 4-bit folder, {@code models/nibble-shapes-svdq}, found like {@link #folder()}. */
    public static Path quantizedFolder() {
        return shipped(SVDQ_NAME);
    }

    private static Path shipped(String name) {
        String home = System.getProperty("nibble.home");
        if (home != null && !home.isBlank()) {
            return Path.of(home).resolve("models").resolve(name).toAbsolutePath().normalize();
        }
        Path cwd = Path.of("").toAbsolutePath();
        for (Path d = cwd; d != null; d = d.getParent()) {
            Path candidate = d.resolve("models").resolve(name);
            if (Files.isRegularFile(candidate.resolve("model_index.json"))) {
                return candidate.normalize();
            }
        }
        return cwd.resolve("models").resolve(name).normalize();
    }

    /**
     * The --help text (a compile-time constant so that the command's annotation can use it): what the
     * built-in model understands, with example prompts. {@code BuiltInModelTest} checks it against the lists.
     */
    public static final String HELP = "%nThe built-in model '" + NAME + "' (the default --model) draws 64x64 images of simple"
            + " coloured shapes in 20 steps. It knows only prompts of the form%n"
            + "  a [small|large] <colour> <shape> [<position>] [on a <colour> background]%n"
            + "  a [size] <colour> <shape> <relation> a [size] <colour> <shape> [on a <colour> background]%n"
            + "shapes: circle, square, triangle; colours: red, green, blue, yellow, purple, orange, white, black"
            + " (backgrounds also gray);%n"
            + "positions: on the left, on the right, at the top, at the bottom, in the center, at the top left,"
            + " at the top right, at the bottom left, at the bottom right;%n"
            + "relations: to the left of, to the right of, above, below, and. Other words get a warning.%n"
            + "Examples (the image goes to out.png):%n"
            + "  nibble generate --prompt \"a large red circle on a blue background\"%n"
            + "  nibble generate --prompt \"a small yellow triangle at the top left\" --seed 7%n"
            + "  nibble generate --prompt \"a green square to the left of a purple circle\"%n"
            + "  nibble generate --prompt \"a small white circle at the bottom right on a black background\"%n";
}
