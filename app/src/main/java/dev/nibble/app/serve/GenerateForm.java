package dev.nibble.app.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.app.generate.BuiltInModel;
import dev.nibble.app.generate.GenerationRequest;
import dev.nibble.app.generate.GenerationService;
import dev.nibble.app.generate.LoraSpec;
import dev.nibble.app.generate.ModelInfo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The fields of POST /api/generate, from JSON (images as base64 or data: URLs) or from multipart/form-data
 * (images as file parts), checked into a {@link JobSpec}. Every problem is an {@link ApiException} (400, or 413
 * for an oversize image) naming the field.
 */
final class GenerateForm {
    static final Set<String> TEXT_FIELDS = Set.of("prompt", "negative_prompt", "model", "backend", "precision", "steps",
            "seed", "width", "height", "guidance", "strength", "compare", "compare_model", "lora", "lora_strength");
    static final Set<String> FILE_FIELDS = Set.of("image", "sketch");
    static final int MAX_PROMPT_CHARS = 2000;
    /** The LoRA strength range the page offers and the API accepts. */
    static final double MAX_LORA_STRENGTH = 4;

    private final Map<String, String> text;
    private final Map<String, byte[]> files;

    GenerateForm(Map<String, String> text, Map<String, byte[]> files) {
        this.text = text;
        this.files = files;
    }

    /** A JSON object body; images as base64 strings or data: URLs. */
    static GenerateForm fromJson(byte[] body, ServeLimits limits) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object like {\"prompt\": \"a large red circle\"}");
        }
        Map<String, String> text = new LinkedHashMap<>();
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            String name = f.getKey();
            JsonNode v = f.getValue();
            checkKnown(name);
            if (v.isNull()) {
                continue;
            }
            if (!v.isValueNode()) {
                throw ApiException.badRequest("field '" + name + "' must be a string, number or boolean");
            }
            if (FILE_FIELDS.contains(name)) {
                files.put(name, base64(name, v.asText(), limits));
            } else {
                text.put(name, v.asText());
            }
        }
        return new GenerateForm(text, files);
    }

    static void checkKnown(String name) {
        if (!TEXT_FIELDS.contains(name) && !FILE_FIELDS.contains(name)) {
            throw ApiException.badRequest("unknown field '" + name + "'; known: " + new java.util.TreeSet<>(TEXT_FIELDS)
                    + " and the images " + new java.util.TreeSet<>(FILE_FIELDS));
        }
    }

    private static byte[] base64(String field, String s, ServeLimits limits) {
        String data = s.trim();
        if (data.startsWith("data:")) {
            int comma = data.indexOf(',');
            if (comma < 0 || !data.substring(0, comma).endsWith(";base64")) {
                throw ApiException.badRequest("field '" + field + "': a data: URL must be base64 (data:image/png;base64,...)");
            }
            data = data.substring(comma + 1);
        }
        if ((long) data.length() / 4 * 3 > limits.maxUploadBytes() + 3) {
            throw ApiException.tooLarge("field '" + field + "': the image is larger than "
                    + mib(limits.maxUploadBytes()) + " (the upload limit)");
        }
        try {
            return Base64.getMimeDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("field '" + field + "' is not base64: " + e.getMessage());
        }
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /**
     * Checks every field against the catalogue and the limits and writes the uploaded images to {@code tempDir}.
     *
     * @param resolveBackend a backend name or "auto" → the backend (queue) name; throws when unavailable
     */
    JobSpec check(ModelCatalog catalog, ServeLimits limits, UnaryOperator<String> resolveBackend, Path tempDir) {
        String prompt = text.getOrDefault("prompt", null);
        if (prompt == null) {
            throw ApiException.badRequest("field 'prompt' is required (it may be empty)");
        }
        if (prompt.length() > MAX_PROMPT_CHARS) {
            throw ApiException.badRequest("field 'prompt' is longer than " + MAX_PROMPT_CHARS + " characters");
        }
        ModelCatalog.Lora lora = text.containsKey("lora") && !text.get("lora").isBlank()
                ? catalog.resolveLora(text.get("lora")) : null;
        Double loraStrength = doubleField("lora_strength");
        if (loraStrength != null && lora == null) {
            throw ApiException.badRequest("field 'lora_strength' needs a 'lora'");
        }
        if (loraStrength != null && Math.abs(loraStrength) > MAX_LORA_STRENGTH) {
            throw ApiException.badRequest("field 'lora_strength' must be in [-" + MAX_LORA_STRENGTH + ", "
                    + MAX_LORA_STRENGTH + "], got " + loraStrength);
        }
        ModelCatalog.Entry model = catalog.resolve(text.get("model"));
        ModelInfo info = model.info();
        String backend = resolveBackend.apply(text.getOrDefault("backend", "auto"));

        Integer steps = intField("steps", 1, limits.maxSteps());
        Integer width = intField("width", 8, limits.maxOutputSide());
        Integer height = intField("height", 8, limits.maxOutputSide());
        Long seed = longField("seed");
        if (seed == null) {
            seed = ThreadLocalRandom.current().nextLong(0, 1L << 32); // fixed here: both halves of a comparison share it
        }
        Double guidanceD = doubleField("guidance");
        if (guidanceD != null && !(guidanceD >= 0 && guidanceD <= 100)) {
            throw ApiException.badRequest("field 'guidance' must be in [0, 100], got " + guidanceD);
        }
        Double strength = doubleField("strength");
        if (strength != null && !(strength > 0 && strength <= 1)) {
            throw ApiException.badRequest("field 'strength' must be in (0, 1] (1 = start from pure noise), got " + strength);
        }
        byte[] image = files.get("image");
        byte[] sketch = files.get("sketch");
        if (image != null && sketch != null) {
            throw ApiException.badRequest("'image' and 'sketch' are two kinds of input; send one of them");
        }
        if (strength != null && image == null && sketch == null) {
            throw ApiException.badRequest("field 'strength' needs an input: 'image' (image-to-image) or 'sketch'");
        }
        boolean compare = bool("compare");

        List<Path> temp = new ArrayList<>();
        ObjectNode echo = Json.object();
        echo.put("prompt", prompt);
        if (text.get("negative_prompt") != null) {
            echo.put("negative_prompt", text.get("negative_prompt"));
        }
        echo.put("model", model.id());
        echo.put("backend", backend);
        echo.put("seed", seed);
        putIfSet(echo, "steps", steps);
        putIfSet(echo, "width", width);
        putIfSet(echo, "height", height);
        if (guidanceD != null) {
            echo.put("guidance", guidanceD);
        }
        if (strength != null) {
            echo.put("strength", strength);
        }
        if (lora != null) {
            echo.put("lora", lora.id());
            echo.put("lora_strength", loraStrength == null ? 1.0 : loraStrength);
        }
        echo.put("mode", sketch != null ? "sketch-to-image" : image != null ? "image-to-image" : "text-to-image");
        echo.put("compare", compare);

        List<JobSpec.Part> parts = new ArrayList<>();
        String loraId = lora == null ? null : lora.id();
        try {
            Path imageFile = image == null ? null : save(tempDir, "image", checkImage("image", image, limits), temp);
            Path sketchFile = sketch == null ? null : save(tempDir, "sketch", checkImage("sketch", sketch, limits), temp);
            GenerationRequest.Builder base = GenerationRequest.builder(prompt)
                    .negativePrompt(blankToNull(text.get("negative_prompt"))).steps(steps).size(width, height).seed(seed)
                    .guidance(guidanceD == null ? null : guidanceD.floatValue()).image(imageFile).sketch(sketchFile)
                    .strength(strength).backend(backend)
                    .loras(lora == null ? List.of() : List.of(new LoraSpec(lora.file(),
                            loraStrength == null ? 1f : loraStrength.floatValue())));
            if (!compare) {
                String precision = precision(info);
                checkSize(info, model.id(), width, height);
                echo.put("precision", precision);
                parts.add(new JobSpec.Part(precision, model.id(), loraId, base.model(modelArg(model)).precision(precision).build()));
            } else {
                ModelCatalog.Entry other = counterpart(catalog, model, text.get("compare_model"));
                ModelCatalog.Entry sixteen = info.quantized() ? other : model;
                ModelCatalog.Entry four = info.quantized() ? model : other;
                checkSize(sixteen.info(), sixteen.id(), width, height);
                checkSize(four.info(), four.id(), width, height);
                echo.put("compare_model", other.id());
                echo.put("precision", "bf16 vs svdq-int4");
                parts.add(new JobSpec.Part("16-bit (bf16)", sixteen.id(), loraId,
                        base.model(modelArg(sixteen)).precision("bf16").build()));
                parts.add(new JobSpec.Part("4-bit (svdq-int4)", four.id(), loraId,
                        base.model(modelArg(four)).precision("svdq-int4").build()));
            }
        } catch (RuntimeException e) {
            temp.forEach(GenerateForm::deleteQuietly);
            throw e;
        }
        return new JobSpec(backend, parts, echo, temp);
    }

    /** The precision asked for, checked against the folder: svdq-int4 only for a quantised one. */
    private String precision(ModelInfo info) {
        String p = text.get("precision");
        if (p == null || p.isBlank()) {
            return info.quantized() ? "svdq-int4" : "fp32";
        }
        p = p.trim().toLowerCase(Locale.ROOT);
        if (!GenerationService.PRECISIONS.contains(p)) {
            throw ApiException.badRequest("field 'precision' must be one of fp32, bf16, svdq-int4, got '" + p + "'");
        }
        if (info.quantized() && !p.equals("svdq-int4")) {
            throw ApiException.badRequest("precision " + p + " needs a 16/32-bit model, but this folder holds SVDQ int4 "
                    + "weights: use svdq-int4");
        }
        if (!info.quantized() && p.equals("svdq-int4")) {
            throw ApiException.badRequest("precision svdq-int4 needs a quantised model folder (made by `nibble quantize`);"
                    + " this one has 16/32-bit weights: use fp32 or bf16");
        }
        return p;
    }

    /**
     * The other half of a 16-bit vs 4-bit comparison: the named model, or the one catalogue entry of the same
     * pipeline family with the other kind of weights (preferring a name that contains this one's, or is contained).
     */
    static ModelCatalog.Entry counterpart(ModelCatalog catalog, ModelCatalog.Entry model, String named) {
        boolean wantQuantized = !model.info().quantized();
        String kind = wantQuantized ? "a quantised (svdq-int4)" : "a 16/32-bit";
        if (named != null && !named.isBlank()) {
            ModelCatalog.Entry e = catalog.resolve(named);
            if (e.info().quantized() != wantQuantized) {
                throw ApiException.badRequest("compare_model '" + named + "' must be " + kind + " model to compare with "
                        + model.id());
            }
            if (e.info().family() != model.info().family()) {
                throw ApiException.badRequest("compare_model '" + named + "' is a " + e.info().family() + " model but "
                        + model.id() + " is " + model.info().family());
            }
            return e;
        }
        List<ModelCatalog.Entry> candidates = compareCandidates(catalog, model);
        if (candidates.isEmpty()) {
            throw ApiException.badRequest("nothing to compare " + model.id() + " with: no " + kind.substring(2)
                    + " " + model.info().family() + " model under the server's --models roots"
                    + (wantQuantized ? " (make one with `nibble quantize --model " + model.id() + " --out DIR` inside a root)" : ""));
        }
        return candidates.getFirst();
    }

    /** Models of the same family with the other kind of weights, the most likely counterpart first. */
    static List<ModelCatalog.Entry> compareCandidates(ModelCatalog catalog, ModelCatalog.Entry model) {
        boolean wantQuantized = !model.info().quantized();
        String base = leaf(model.id());
        List<ModelCatalog.Entry> out = new ArrayList<>();
        for (ModelCatalog.Entry e : catalog.models()) {
            if (e.usable() && e.info().quantized() == wantQuantized && e.info().family() == model.info().family()) {
                String n = leaf(e.id());
                if (n.contains(base) || base.contains(n)) {
                    out.addFirst(e);
                } else {
                    out.add(e);
                }
            }
        }
        return out;
    }

    private static String leaf(String id) {
        int slash = id.lastIndexOf('/');
        return (slash < 0 ? id : id.substring(slash + 1)).toLowerCase(Locale.ROOT);
    }

    private static String modelArg(ModelCatalog.Entry e) {
        return e.builtIn() ? BuiltInModel.NAME : e.folder().toString();
    }

    private static void checkSize(ModelInfo info, String id, Integer width, Integer height) {
        checkSide("width", width, info, id);
        checkSide("height", height, info, id);
    }

    private static void checkSide(String name, Integer v, ModelInfo info, String id) {
        int m = info.sizeMultiple();
        if (v != null && v % m != 0) {
            int lo = Math.max(m, v / m * m);
            throw ApiException.badRequest(name + " " + v + " is not supported by " + id + ": width and height must be "
                    + "multiples of " + m + ", e.g. " + lo + " or " + (lo + m));
        }
    }

    /** The image's format and size read from its header (no full decode); unreadable or oversize images are refused. */
    static byte[] checkImage(String field, byte[] bytes, ServeLimits limits) {
        if (bytes.length > limits.maxUploadBytes()) {
            throw ApiException.tooLarge("'" + field + "' is " + mib(bytes.length) + "; the upload limit is "
                    + mib(limits.maxUploadBytes()));
        }
        if (bytes.length == 0) {
            throw ApiException.badRequest("'" + field + "' is empty");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw ApiException.badRequest("'" + field + "' is not an image this server reads (send PNG or JPEG)");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                int w = r.getWidth(0);
                int h = r.getHeight(0);
                if (w > limits.maxImageSide() || h > limits.maxImageSide()) {
                    throw ApiException.tooLarge("'" + field + "' is " + w + "x" + h + " pixels; at most "
                            + limits.maxImageSide() + " pixels a side are accepted");
                }
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiException a) {
                throw a;
            }
            throw ApiException.badRequest("'" + field + "' is a corrupt or unreadable image: " + ModelCatalog.message(e));
        }
        return bytes;
    }

    private static Path save(Path dir, String field, byte[] bytes, List<Path> temp) {
        try {
            Path f = Files.createTempFile(dir, field + "-", ".img");
            temp.add(f);
            Files.write(f, bytes);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the uploaded " + field, e);
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary file; the folder goes when the server stops
        }
    }

    private Integer intField(String name, int min, int max) {
        String v = text.get(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("field '" + name + "' must be a whole number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw ApiException.badRequest("field '" + name + "' must be in [" + min + ", " + max + "], got " + n);
        }
        return n;
    }

    private Long longField(String name) {
        String v = text.get(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("field '" + name + "' must be a whole number >= 0, got '" + v + "'");
        }
    }

    private Double doubleField(String name) {
        String v = text.get(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("field '" + name + "' must be a number, got '" + v + "'");
        }
    }

    private boolean bool(String name) {
        String v = text.get(name);
        if (v == null || v.isBlank()) {
            return false;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "on", "1", "yes" -> true;
            case "false", "off", "0", "no" -> false;
            default -> throw ApiException.badRequest("field '" + name + "' must be true or false, got '" + v + "'");
        };
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static void putIfSet(ObjectNode o, String name, Integer v) {
        if (v != null) {
            o.put(name, v);
        }
    }
}
