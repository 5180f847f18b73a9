package dev.nibble.app;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nibble eval} on the built-in model and its shipped 4-bit version: the paper-style table with
 * PSNR/SSIM, the metrics without weights named as not computed, and weight files that are not what they
 * claim refused before anything is generated.
 */
class EvalCommandTest {
    @TempDir
    Path tmp;

    static Path builtIn(String name) {
        Path home = Path.of(System.getProperty("nibble.home", "..")).toAbsolutePath().normalize();
        Path p = home.resolve("models").resolve(name);
        assertTrue(Files.isRegularFile(p.resolve("model_index.json")), "built-in model not found at " + p);
        return p;
    }

    @Test
    void printsThePaperTableForTheBuiltInPair() throws Exception {
        Path prompts = tmp.resolve("prompts.txt");
        Files.writeString(prompts, "a large red circle on a blue background\na small green square at the top left\n");
        Path out = tmp.resolve("eval");
        GenerateCommandTest.Run r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(), "--n", "2",
                "--size", "32", "--steps", "2", "--backend", "cpu", "--no-progress", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| nibble-shapes (reference) | fp32 | 2 | — | — | — | — |"), r.out());
        assertTrue(r.out().contains("| nibble-shapes-svdq | svdq-int4 | 2 |"), r.out());
        assertTrue(r.out().contains("FID n/c: no --inception-weights given"), r.out());
        assertTrue(r.out().contains("LPIPS n/c: no --lpips-weights given"), r.out());
        JsonNode j = JsonOutput.MAPPER.readTree(Files.readString(out.resolve("eval.json")));
        assertEquals(2, j.path("images").asInt());
        assertTrue(j.path("metrics").path("PSNR").path("computed").asBoolean());
        assertFalse(j.path("metrics").path("FID").path("computed").asBoolean());
        assertFalse(j.path("metrics").path("ImageReward").path("computed").asBoolean());
    }

    @Test
    void aWeightsFileThatIsNotTheNetworkIsRefusedUpFront() throws Exception {
        Path prompts = tmp.resolve("prompts.txt");
        Files.writeString(prompts, "a red circle\n");
        Path garbage = tmp.resolve("inception.safetensors");
        Files.writeString(garbage, "not a safetensors file");
        Path out = tmp.resolve("eval");
        GenerateCommandTest.Run r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(),
                "--inception-weights", garbage.toString(), "--no-progress", "--out", out.toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains(garbage.toString()), r.err());
        assertFalse(Files.exists(out.resolve("reference")), "nothing generated before the weights were checked");

        // a valid safetensors file that is not the Inception network: the first missing tensor is named
        Path other = builtIn("nibble-shapes").resolve("vae").resolve("diffusion_pytorch_model.safetensors");
        r = GenerateCommandTest.run("eval", "--model", builtIn("nibble-shapes").toString(),
                "--quantized", builtIn("nibble-shapes-svdq").toString(), "--prompts", prompts.toString(),
                "--inception-weights", other.toString(), "--no-progress", "--out", out.toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("missing tensor 'Conv2d_1a_3x3.conv.weight'"), r.err());
    }
}
