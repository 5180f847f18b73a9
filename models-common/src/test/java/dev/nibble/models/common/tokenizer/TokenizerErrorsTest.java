package dev.nibble.models.common.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken tokenizer folders fail with a {@link TokenizerException} that names the broken file. */
class TokenizerErrorsTest {
    @TempDir
    Path tmp;

    private Path copyOf(String goldenFolder) throws IOException {
        Path src = SharedData.golden("models/" + goldenFolder);
        Path dst = Files.createDirectories(tmp.resolve(goldenFolder.replace('/', '_')));
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dst.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dst;
    }

    private static void assertNames(TokenizerException e, String file) {
        assertTrue(e.getMessage().contains(file), "message should name " + file + ": " + e.getMessage());
    }

    @Test
    void missingVocab() throws IOException {
        Path dir = copyOf("flux_dev/tokenizer");
        Files.delete(dir.resolve("vocab.json"));
        assertNames(assertThrows(TokenizerException.class, () -> ClipTokenizer.load(dir)), "vocab.json");
    }

    @Test
    void corruptVocab() throws IOException {
        Path dir = copyOf("flux_dev/tokenizer");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 1, \"b\": ");
        assertNames(assertThrows(TokenizerException.class, () -> ClipTokenizer.load(dir)), "vocab.json");
        Files.writeString(dir.resolve("vocab.json"), "[1, 2, 3]");
        assertNames(assertThrows(TokenizerException.class, () -> ClipTokenizer.load(dir)), "vocab.json");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": \"x\"}");
        assertNames(assertThrows(TokenizerException.class, () -> ClipTokenizer.load(dir)), "vocab.json");
    }

    @Test
    void missingOrEmptyMerges() throws IOException {
        Path dir = copyOf("flux_dev/tokenizer");
        Files.delete(dir.resolve("merges.txt"));
        assertNames(assertThrows(TokenizerException.class, () -> ClipTokenizer.load(dir)), "merges.txt");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        assertNames(assertThrows(TokenizerException.class, () -> ClipTokenizer.load(dir)), "merges.txt");
    }

    @Test
    void corruptTokenizerConfig() throws IOException {
        Path dir = copyOf("flux_dev/tokenizer");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{not json");
        assertNames(assertThrows(TokenizerException.class, () -> ClipTokenizer.load(dir)), "tokenizer_config.json");
    }

    @Test
    void missingSentencePieceModel() throws IOException {
        Path dir = copyOf("flux_dev/tokenizer_2");
        Files.delete(dir.resolve("spiece.model"));
        assertNames(assertThrows(TokenizerException.class, () -> T5Tokenizer.load(dir)), "spiece.model");
    }

    @Test
    void truncatedSentencePieceModel() throws IOException {
        Path dir = copyOf("flux_dev/tokenizer_2");
        byte[] full = Files.readAllBytes(dir.resolve("spiece.model"));
        Files.write(dir.resolve("spiece.model"), Arrays.copyOf(full, full.length / 3));
        assertNames(assertThrows(TokenizerException.class, () -> T5Tokenizer.load(dir)), "spiece.model");
    }

    @Test
    void garbageSentencePieceModel() throws IOException {
        Path dir = copyOf("flux_dev/tokenizer_2");
        Files.writeString(dir.resolve("spiece.model"), "this is not a protobuf, just some text\n");
        assertNames(assertThrows(TokenizerException.class, () -> T5Tokenizer.load(dir)), "spiece.model");
        Files.write(dir.resolve("spiece.model"), new byte[0]);
        assertNames(assertThrows(TokenizerException.class, () -> T5Tokenizer.load(dir)), "spiece.model");
    }
}
