package dev.nibble.engine.io;

import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All weights of one model component, whether stored as a single {@code .safetensors} file or as
 * shards listed in a {@code .safetensors.index.json}. Tensors are zero-copy views and become invalid
 * after {@link #close()}.
 */
public final class SafetensorsStore implements TensorSource {
    private static final Logger LOG = LoggerFactory.getLogger(SafetensorsStore.class);
    /** Standard file stems written by diffusers and transformers, tried before any other file. */
    private static final List<String> STANDARD_STEMS = List.of("diffusion_pytorch_model", "model");

    private final Path source;
    private final List<SafetensorsFile> files;
    private final TreeMap<String, SafetensorsFile> byName;
    private final SortedSet<String> names;
    private final Map<String, String> metadata;

    private SafetensorsStore(Path source, List<SafetensorsFile> files, TreeMap<String, SafetensorsFile> byName,
                             Map<String, String> metadata) {
        this.source = source;
        this.files = List.copyOf(files);
        this.byName = byName;
        this.names = Collections.unmodifiableSortedSet(new TreeSet<>(byName.keySet()));
        this.metadata = metadata;
    }

    /**
     * Opens a {@code .safetensors} file, a {@code .safetensors.index.json}, or a folder holding one of
     * them. In a folder the standard names ({@code diffusion_pytorch_model.*}, {@code model.*}; single
     * file before index, as transformers does) win; otherwise the folder must hold exactly one index or,
     * failing that, exactly one {@code .safetensors} file.
     */
    public static SafetensorsStore open(Path fileOrDirectory) {
        Objects.requireNonNull(fileOrDirectory, "fileOrDirectory");
        Path p = Files.isDirectory(fileOrDirectory) ? locate(fileOrDirectory) : fileOrDirectory;
        if (p.getFileName() != null && p.getFileName().toString().endsWith(ShardIndex.SUFFIX)) {
            return openIndex(p);
        }
        SafetensorsFile f = SafetensorsFile.open(p);
        TreeMap<String, SafetensorsFile> byName = new TreeMap<>();
        for (String n : f.names()) {
            byName.put(n, f);
        }
        return new SafetensorsStore(p, List.of(f), byName, f.metadata());
    }

    /** The file that {@link #open} reads for a component folder. */
    static Path locate(Path dir) {
        for (String stem : STANDARD_STEMS) {
            for (Path p : List.of(dir.resolve(stem + ".safetensors"), dir.resolve(stem + ShardIndex.SUFFIX))) {
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        List<Path> indexes = list(dir, ShardIndex.SUFFIX);
        if (indexes.size() == 1) {
            return indexes.getFirst();
        }
        if (indexes.size() > 1) {
            throw SafetensorsException.of(dir, "several shard indexes, cannot choose: " + indexes);
        }
        List<Path> singles = list(dir, ".safetensors");
        if (singles.size() == 1) {
            return singles.getFirst();
        }
        throw SafetensorsException.of(dir, singles.isEmpty()
                ? "no .safetensors file or " + ShardIndex.SUFFIX + " in this folder"
                : "several .safetensors files and no index, cannot choose: " + singles);
    }

    private static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw SafetensorsException.of(dir, "cannot list folder: " + e, e);
        }
    }

    private static SafetensorsStore openIndex(Path indexFile) {
        ShardIndex index = ShardIndex.read(indexFile);
        Map<Path, List<String>> listed = new TreeMap<>();
        index.weightMap().forEach((tensor, shard) -> listed.computeIfAbsent(shard, k -> new ArrayList<>()).add(tensor));
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, Path> seenIn = new HashMap<>();
            TreeMap<String, SafetensorsFile> byName = new TreeMap<>();
            for (Map.Entry<Path, List<String>> e : listed.entrySet()) {
                Path shard = e.getKey();
                if (!Files.isRegularFile(shard)) {
                    throw SafetensorsException.of(indexFile, "shard '" + shard.getFileName() + "' (needed for tensor '"
                            + e.getValue().getFirst() + "') is missing: " + shard);
                }
                SafetensorsFile f = SafetensorsFile.open(shard);
                opened.add(f);
                for (String n : f.names()) {
                    Path other = seenIn.putIfAbsent(n, shard);
                    if (other != null) {
                        throw SafetensorsException.ofTensor(indexFile, n, "stored in two shards, "
                                + other.getFileName() + " and " + shard.getFileName());
                    }
                }
                for (String n : e.getValue()) {
                    if (!f.contains(n)) {
                        throw SafetensorsException.ofTensor(indexFile, n, "listed for shard '" + shard.getFileName()
                                + "' but that shard does not contain it");
                    }
                    byName.put(n, f);
                }
                if (f.names().size() > e.getValue().size()) {
                    // Loaders only look up indexed names; extra tensors are harmless but worth a note.
                    LOG.warn("{}: shard {} holds {} tensors not listed in the index; they are ignored", indexFile,
                            shard.getFileName(), f.names().size() - e.getValue().size());
                }
            }
            return new SafetensorsStore(indexFile, opened, byName, index.metadata());
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The file actually opened: the single safetensors file or the index. */
    public Path path() {
        return source;
    }

    /** The safetensors files backing this store (one, or one per shard). */
    public List<Path> files() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    @Override
    public SortedSet<String> names() {
        return names;
    }

    @Override
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    @Override
    public TensorSpec spec(String name) {
        return file(name).spec(name);
    }

    @Override
    public Tensor tensor(String name) {
        return file(name).tensor(name);
    }

    /** The single file's {@code __metadata__}, or the index's {@code metadata} for a sharded store. */
    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = byName.get(name);
        if (f == null) {
            throw SafetensorsException.ofTensor(source, name, "no such tensor");
        }
        return f;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }

    @Override
    public String toString() {
        return "SafetensorsStore[" + source + ", " + files.size() + " file(s), " + names.size() + " tensors]";
    }
}
