package dev.nibble.models.common.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every prompt of the golden tokenizer cases, against every tokenizer folder the case names:
 * token strings, unpadded ids, padded/truncated ids and attention masks must match exactly.
 */
class GoldenTokenizerTest {
    private static final List<String> CASES = List.of("tokenizer_clip", "tokenizer_clip_pad_bang", "tokenizer_t5");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Path, TextTokenizer> LOADED = new ConcurrentHashMap<>();

    static Stream<Arguments> prompts() {
        List<Arguments> out = new ArrayList<>();
        for (String name : CASES) {
            JsonNode c = readCase(name);
            String cls = c.path("class").asText();
            for (JsonNode dir : c.path("model_dirs")) {
                int i = 0;
                for (JsonNode p : c.path("cases")) {
                    String shown = p.path("prompt").asText().replace("\n", "\\n").replace("\t", "\\t");
                    if (shown.length() > 60) {
                        shown = shown.substring(0, 57) + "...";
                    }
                    out.add(Arguments.argumentSet(name + " " + dir.asText() + " #" + i + " \"" + shown + "\"",
                            cls, dir.asText(), p));
                    i++;
                }
            }
        }
        if (out.isEmpty()) {
            fail("no golden tokenizer prompts found");
        }
        return out.stream();
    }

    static Stream<Arguments> cases() {
        return CASES.stream().map(n -> Arguments.argumentSet(n, n));
    }

    @ParameterizedTest
    @MethodSource("prompts")
    void matchesReference(String cls, String modelDir, JsonNode expected) {
        TextTokenizer tok = tokenizer(cls, modelDir);
        String prompt = expected.path("prompt").asText();
        // Surefire's XML report shows only the invocation index, so every message says which prompt.
        String at = " [" + modelDir + ", prompt " + JSON.valueToTree(prompt) + "]";

        assertEquals(strings(expected.path("tokens")), tok.tokenize(prompt), "tokens" + at);
        int[] unpadded = ints(expected.path("input_ids_unpadded"));
        assertArrayEquals(unpadded, tok.encodeForModel(prompt, Integer.MAX_VALUE, false, false), "unpadded ids" + at);
        assertArrayEquals(unpadded, tok.encodeForModel(prompt, unpadded.length, true, true),
                "ids at exactly their own length" + at);

        int[] plain = tok.encode(prompt);
        int specials = tok instanceof ClipTokenizer ? 2 : 1;
        assertEquals(unpadded.length - specials, plain.length, "encode() length without special tokens" + at);

        int checkedLengths = 0;
        for (Map.Entry<String, JsonNode> e : expected.properties()) {
            if (!e.getKey().startsWith("input_ids_max_length_") || e.getValue().isNull()) {
                continue;
            }
            int maxLength = Integer.parseInt(e.getKey().substring("input_ids_max_length_".length()));
            int[] want = ints(e.getValue());
            int[] got = tok.encodeForModel(prompt, maxLength, true, true);
            assertArrayEquals(want, got, e.getKey() + at);
            assertEquals(maxLength, got.length, e.getKey() + " length" + at);
            JsonNode mask = expected.path("attention_mask_max_length_" + maxLength);
            TokenizedBatch batch = tok.encodeBatch(List.of(prompt), maxLength, true, true);
            assertArrayEquals(want, batch.inputIds()[0], "batch ids " + maxLength + at);
            if (!mask.isMissingNode()) {
                assertArrayEquals(ints(mask), batch.attentionMask()[0], "attention mask " + maxLength + at);
            }
            checkedLengths++;
        }
        if (checkedLengths == 0) {
            fail("golden prompt has no input_ids_max_length_N entry: " + expected);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void specialIdsMatchReference(String name) {
        JsonNode c = readCase(name);
        JsonNode ids = c.path("special_ids");
        for (JsonNode dir : c.path("model_dirs")) {
            TextTokenizer tok = tokenizer(c.path("class").asText(), dir.asText());
            assertEquals(ids.path("pad").asInt(), tok.padId(), "pad id of " + dir);
            if (tok instanceof ClipTokenizer clip) {
                assertEquals(ids.path("bos(<|startoftext|>)").asInt(), clip.bosId(), "bos id of " + dir);
                assertEquals(ids.path("eos(<|endoftext|>)").asInt(), clip.eosId(), "eos id of " + dir);
                assertEquals(c.path("vocab_size").asInt(), clip.vocabSize(), "vocab size of " + dir);
                assertEquals(77, tok.modelMaxLength());
            } else {
                T5Tokenizer t5 = (T5Tokenizer) tok;
                assertEquals(ids.path("eos").asInt(), t5.eosId(), "eos id of " + dir);
                assertEquals(ids.path("unk").asInt(), t5.unkId(), "unk id of " + dir);
                assertEquals(c.path("sentencepiece_pieces").asInt(), t5.vocabSize(), "pieces of " + dir);
                assertArrayEquals(new int[] {ids.path("extra_id_0").asInt()}, t5.encode("<extra_id_0>"));
                assertArrayEquals(new int[] {ids.path("extra_id_99").asInt()}, t5.encode("<extra_id_99>"));
                assertEquals(512, tok.modelMaxLength());
            }
        }
    }

    private static TextTokenizer tokenizer(String cls, String modelDir) {
        Path dir = SharedData.golden(modelDir);
        return LOADED.computeIfAbsent(dir, d -> switch (cls) {
            case "transformers.CLIPTokenizer" -> ClipTokenizer.load(d);
            case "transformers.T5Tokenizer" -> T5Tokenizer.load(d);
            default -> fail("unexpected tokenizer class in golden case: " + cls);
        });
    }

    private static JsonNode readCase(String name) {
        Path file = SharedData.golden("cases/" + name + "/case.json");
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            return fail("cannot read " + file, e);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
