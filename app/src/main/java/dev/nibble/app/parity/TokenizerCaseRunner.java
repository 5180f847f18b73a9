package dev.nibble.app.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.app.BadInputException;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.tokenizer.ClipTokenizer;
import dev.nibble.models.common.tokenizer.T5Tokenizer;
import dev.nibble.models.common.tokenizer.TextTokenizer;
import dev.nibble.models.common.tokenizer.TokenizedBatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Tokenizer cases: every prompt through every listed tokenizer folder. outputs.json mirrors the
 * case's entries with the keys Nibble computes (tokens, input_ids_unpadded, input_ids_max_length_N,
 * attention_mask_max_length_N); each must match exactly.
 */
final class TokenizerCaseRunner implements CaseRunner {
    @Override
    public boolean handles(GoldenCase c) {
        return c.kind().equals("tokenizer");
    }

    @Override
    public CaseResult run(GoldenCase c, ParityContext ctx) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode out = f.objectNode();
        ObjectNode byFolder = out.putObject("model_dirs");
        List<TensorCheck> checks = new ArrayList<>();
        for (Path dir : c.modelDirs()) {
            TextTokenizer tok = load(c, dir);
            String folder = c.setRoot().relativize(dir).toString();
            ArrayNode cases = byFolder.putObject(folder).putArray("cases");
            int i = 0;
            for (JsonNode ref : c.json().path("cases")) {
                String prompt = ref.get("prompt").asText();
                ObjectNode mine = cases.addObject();
                mine.put("prompt", prompt);
                var it = ref.fieldNames();
                while (it.hasNext()) {
                    String key = it.next();
                    if (ref.get(key).isNull()) {
                        mine.putNull(key); // e.g. input_ids_max_length_512 is recorded only for over-long prompts
                        continue;
                    }
                    JsonNode value = compute(tok, prompt, key);
                    if (value == null) {
                        continue; // "decoded", "prompt": not something a tokenizer for inference computes
                    }
                    mine.set(key, value);
                    boolean same = value.equals(ref.get(key));
                    checks.add(new TensorCheck(folder + " cases[" + i + "]." + key, "case.json", same ? 0 : 1, same ? 0 : 1,
                            0, TensorCheck.Tolerance.exact(), same, same ? "" : "expected " + ref.get(key) + ", got " + value));
                }
                i++;
            }
        }
        out.set("cases", byFolder.elements().hasNext() ? byFolder.elements().next().get("cases") : f.arrayNode());
        return new CaseResult(Map.<String, Tensor>of(), out, checks);
    }

    private static TextTokenizer load(GoldenCase c, Path dir) {
        return switch (c.className()) {
            case "CLIPTokenizer", "CLIPTokenizerFast" -> ClipTokenizer.load(dir);
            case "T5Tokenizer", "T5TokenizerFast" -> T5Tokenizer.load(dir);
            default -> throw new BadInputException(c.name() + ": no tokenizer for class " + c.className());
        };
    }

    private static JsonNode compute(TextTokenizer tok, String prompt, String key) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (key.equals("tokens")) {
            ArrayNode a = f.arrayNode();
            tok.tokenize(prompt).forEach(a::add);
            return a;
        }
        if (key.equals("input_ids_unpadded")) {
            return ints(tok.encodeForModel(prompt, Integer.MAX_VALUE, false, false));
        }
        if (key.startsWith("input_ids_max_length_")) {
            int n = Integer.parseInt(key.substring("input_ids_max_length_".length()));
            return ints(tok.encodeForModel(prompt, n, true, true));
        }
        if (key.startsWith("attention_mask_max_length_")) {
            int n = Integer.parseInt(key.substring("attention_mask_max_length_".length()));
            TokenizedBatch b = tok.encodeBatch(List.of(prompt), n, true, true);
            return ints(b.attentionMask()[0]);
        }
        return null;
    }

    private static ArrayNode ints(int[] v) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        Arrays.stream(v).forEach(a::add);
        return a;
    }

    static Tensor ids(int[] v) {
        return Tensor.ofLongs(Shape.of(v.length), Arrays.stream(v).asLongStream().toArray());
    }
}
