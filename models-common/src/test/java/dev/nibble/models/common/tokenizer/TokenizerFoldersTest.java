package dev.nibble.models.common.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.engine.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The tokenizer folders of the golden pipelines and of the shipped model load and behave. */
class TokenizerFoldersTest {

    /** The ids each reference pipeline fed its text encoders, recomputed from the pipeline prompt. */
    @ParameterizedTest(name = "{0}: {2} at {3}")
    @CsvSource({
        "pipeline_flux_dev,    flux_dev/tokenizer,      text_encoder.call0.input_ids,   77",
        "pipeline_flux_dev,    flux_dev/tokenizer_2,    text_encoder_2.call0.input_ids, 32",
        "pipeline_flux_schnell, flux_schnell/tokenizer,   text_encoder.call0.input_ids,   77",
        "pipeline_flux_schnell, flux_schnell/tokenizer_2, text_encoder_2.call0.input_ids, 32",
        "pipeline_sdxl,        sdxl/tokenizer,          text_encoder.call0.input_ids,   77",
        "pipeline_sdxl,        sdxl/tokenizer_2,        text_encoder_2.call0.input_ids, 77",
    })
    void reproducesPipelineInputIds(String pipelineCase, String folder, String tensor, int maxLength)
            throws IOException {
        Path dir = SharedData.golden("models/" + folder);
        TextTokenizer tok = folder.endsWith("tokenizer_2") && !folder.startsWith("sdxl")
                ? T5Tokenizer.load(dir) : ClipTokenizer.load(dir);
        String prompt = new ObjectMapper().readTree(SharedData.golden("cases/" + pipelineCase + "/case.json").toFile())
                .path("call").path("prompt").asText();
        long[] want;
        try (SafetensorsFile f = SafetensorsFile.open(SharedData.golden("cases/" + pipelineCase + "/outputs.safetensors"))) {
            want = f.tensor(tensor).toLongArray();
        }
        int[] got = tok.encodeForModel(prompt, maxLength, true, true);
        assertArrayEquals(want, Arrays.stream(got).asLongStream().toArray(), prompt);
    }

    @Test
    void goldenSdxlSecondTokenizerPadsWithBang() {
        ClipTokenizer tok = ClipTokenizer.load(SharedData.golden("models/sdxl/tokenizer_2"));
        assertEquals(0, tok.padId());
        assertEquals(912, tok.bosId());
        assertEquals(913, tok.eosId());
        int[] ids = tok.encodeForModel("wow!", 8, true, true);
        assertEquals(0, ids[ids.length - 1], "padding is '!' (id 0)");
        assertEquals(0, tok.encode("wow!")[tok.encode("wow!").length - 1], "a literal '!' is the added token");
    }

    @Test
    void goldenFluxTokenizersLoad() {
        ClipTokenizer clip = ClipTokenizer.load(SharedData.golden("models/flux_dev/tokenizer"));
        assertEquals(913, clip.padId());
        assertEquals(77, clip.modelMaxLength());
        T5Tokenizer t5 = T5Tokenizer.load(SharedData.golden("models/flux_dev/tokenizer_2"));
        assertEquals(512, t5.modelMaxLength());
        assertEquals(0, t5.padId());
        assertEquals(1, t5.eosId());
    }

    @Test
    void shippedModelTokenizersLoad() {
        ClipTokenizer clip = ClipTokenizer.load(SharedData.models("nibble-shapes/tokenizer"));
        assertEquals(1212, clip.bosId());
        assertEquals(1213, clip.eosId());
        assertEquals(1213, clip.padId());
        assertEquals(77, clip.modelMaxLength());
        int[] c = clip.encodeForModel("a red circle on a blue square", clip.modelMaxLength(), true, true);
        assertEquals(77, c.length);
        assertEquals(1212, c[0]);
        assertTrue(Arrays.stream(c).allMatch(id -> id >= 0 && id < clip.vocabSize()));

        T5Tokenizer t5 = T5Tokenizer.load(SharedData.models("nibble-shapes/tokenizer_2"));
        assertEquals(32, t5.modelMaxLength());
        assertEquals(0, t5.padId());
        assertEquals(1, t5.eosId());
        assertArrayEquals(new int[] {799}, t5.encode("<extra_id_0>"));
        assertArrayEquals(new int[] {700}, t5.encode("<extra_id_99>"));
        int[] t = t5.encodeForModel("a red circle on a blue square", t5.modelMaxLength(), true, true);
        assertEquals(32, t.length);
        assertTrue(Arrays.stream(t).allMatch(id -> id >= 0 && id < 800));
        assertTrue(Arrays.stream(t).anyMatch(id -> id == 1), "eos present");
    }

    /** transformers 5 saves only tokenizer.json: its BPE vocabulary and merges (either list format) tokenize alike. */
    @Test
    void aFolderWithOnlyTokenizerJsonGivesTheSameIds(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path golden = SharedData.golden("models/flux_dev/tokenizer");
        ObjectMapper om = new ObjectMapper();
        java.util.List<String> lines = java.nio.file.Files.readAllLines(golden.resolve("merges.txt"));
        ClipTokenizer reference = ClipTokenizer.load(golden);
        for (boolean pairs : new boolean[] {false, true}) {
            Path dir = java.nio.file.Files.createDirectories(tmp.resolve(pairs ? "pairs" : "strings"));
            for (String f : new String[] {"tokenizer_config.json", "special_tokens_map.json"}) {
                java.nio.file.Files.copy(golden.resolve(f), dir.resolve(f));
            }
            var root = om.createObjectNode();
            var model = root.putObject("model");
            model.put("type", "BPE");
            model.set("vocab", om.readTree(golden.resolve("vocab.json").toFile()));
            var merges = model.putArray("merges");
            for (String line : lines.subList(1, lines.size())) {
                String[] ab = line.trim().split(" ");
                if (ab.length != 2) {
                    continue;
                }
                if (pairs) {
                    merges.addArray().add(ab[0]).add(ab[1]);
                } else {
                    merges.add(line.trim());
                }
            }
            om.writeValue(dir.resolve("tokenizer.json").toFile(), root);
            ClipTokenizer fast = ClipTokenizer.load(dir);
            for (String prompt : new String[] {"a photo of a cat", "Hello, World! 123 -- \u00fcmlaut caf\u00e9",
                    "a very long prompt ".repeat(30), ""}) {
                assertArrayEquals(reference.encodeForModel(prompt, 77, true, true), fast.encodeForModel(prompt, 77, true, true),
                        (pairs ? "[a, b] merges: " : "\"a b\" merges: ") + prompt);
            }
        }
    }
}
