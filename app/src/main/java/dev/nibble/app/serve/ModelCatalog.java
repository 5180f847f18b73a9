package dev.nibble.app.serve;

import dev.nibble.app.BadInputException;
import dev.nibble.app.generate.BuiltInModel;
import dev.nibble.app.generate.ModelInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models the demo may use: the built-in model and the diffusers pipeline folders found under the
 * configured roots ({@code --models}); and the LoRA files lying under the roots outside any model folder.
 *
 * <p>A request names a model by the id this catalogue lists, or by a path relative to a root (or an absolute
 * path inside one). Anything that leaves the roots (a {@code ..} segment, an absolute path elsewhere, a symbolic
 * link pointing out) is refused: the server never opens a folder it was not given.
 */
final class ModelCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);
    /** How deep under a root model folders and LoRA files are looked for. */
    static final int MAX_DEPTH = 3;
    /** A fresh scan at most this often (listing is cheap, but not free: safetensors headers are read). */
    private static final long RESCAN_NANOS = 2_000_000_000L;
    /** Even for an id not seen yet, at most this often (a stream of unknown ids must not mean a stream of scans). */
    private static final long FORCED_RESCAN_NANOS = 250_000_000L;

    /** One model: its id, where it is, and what {@link ModelInfo} says (or why it cannot be used). */
    record Entry(String id, String label, Path folder, ModelInfo info, String problem) {
        boolean usable() {
            return info != null;
        }

        boolean builtIn() {
            return info != null && info.builtIn();
        }
    }

    /** A LoRA file under a root. */
    record Lora(String id, Path file, long sizeBytes) {}

    private final List<Path> roots;
    private Map<String, Entry> entries = Map.of();
    private List<Lora> loras = List.of();
    private long scannedAt;
    private boolean scanned;

    /** @param roots folders to look in; each must exist (checked by the caller) */
    ModelCatalog(List<Path> roots) {
        List<Path> rs = new ArrayList<>();
        for (Path r : roots) {
            try {
                rs.add(r.toRealPath());
            } catch (IOException e) {
                throw new BadInputException("--models " + r + ": folder not found");
            }
        }
        this.roots = List.copyOf(rs);
    }

    List<Path> roots() {
        return roots;
    }

    /** Every model, the built-in first; rescans when the last scan is older than two seconds. */
    synchronized List<Entry> models() {
        refresh(false);
        return List.copyOf(entries.values());
    }

    synchronized List<Lora> loras() {
        refresh(false);
        return loras;
    }

    /** The usable model a request names; null or blank is the built-in model. */
    Entry resolve(String id) {
        String wanted = id == null || id.isBlank() ? BuiltInModel.NAME : id.trim();
        Entry e = lookup(wanted, false);
        if (e == null) {
            e = lookup(wanted, true); // it may have appeared since the last scan
        }
        if (e == null) {
            e = byPath(wanted);
        }
        if (!e.usable()) {
            throw ApiException.badRequest("model '" + wanted + "' cannot be used: " + e.problem());
        }
        return e;
    }

    /** The LoRA file a request names: an id from {@link #loras()} (files under the roots only). */
    Lora resolveLora(String id) {
        String wanted = id.trim();
        if (wanted.contains("..")) {
            throw new ApiException(400, "path_traversal", "lora '" + wanted + "': '..' is not allowed; name a LoRA "
                    + "file listed by GET /api/models");
        }
        for (int pass = 0; pass < 2; pass++) {
            synchronized (this) {
                refresh(pass > 0);
                for (Lora l : loras) {
                    if (l.id().equals(wanted)) {
                        return l;
                    }
                }
            }
        }
        throw ApiException.notFound("unknown LoRA '" + wanted + "'; GET /api/models lists the LoRA files under the "
                + "server's --models roots");
    }

    private synchronized Entry lookup(String id, boolean forceScan) {
        refresh(forceScan);
        return entries.get(id);
    }

    /** A path relative to a root, or absolute inside one; anything else is refused. */
    private Entry byPath(String wanted) {
        Path p;
        try {
            p = Path.of(wanted);
        } catch (InvalidPathException ex) {
            throw ApiException.badRequest("model '" + wanted + "' is not a model id or a path");
        }
        for (Path part : p) {
            if (part.toString().equals("..")) {
                throw new ApiException(400, "path_traversal", "model '" + wanted + "': '..' is not allowed; name a model"
                        + " listed by GET /api/models (folders under the server's --models roots)");
            }
        }
        List<Path> candidates = p.isAbsolute() ? List.of(p.normalize()) : roots.stream().map(r -> r.resolve(p).normalize()).toList();
        if (roots.isEmpty() || (p.isAbsolute() && roots.stream().noneMatch(r -> p.normalize().startsWith(r)))) {
            throw new ApiException(400, "outside_roots", "model '" + wanted + "' is not under the server's model roots "
                    + (roots.isEmpty() ? "(none configured: start the server with --models DIR)" : roots.toString())
                    + "; name a model listed by GET /api/models");
        }
        for (Path c : candidates) {
            if (!Files.isDirectory(c)) {
                continue;
            }
            Path real;
            try {
                real = c.toRealPath();
            } catch (IOException ex) {
                continue;
            }
            if (roots.stream().noneMatch(real::startsWith)) {
                throw new ApiException(400, "outside_roots", "model '" + wanted + "' leads outside the server's model "
                        + "roots (a symbolic link?); name a model listed by GET /api/models");
            }
            if (Files.isRegularFile(real.resolve("model_index.json"))) {
                return entry(wanted, wanted, real);
            }
        }
        throw ApiException.notFound("unknown model '" + wanted + "'; GET /api/models lists the models this server offers");
    }

    private void refresh(boolean force) {
        long now = System.nanoTime();
        if (scanned && now - scannedAt < (force ? FORCED_RESCAN_NANOS : RESCAN_NANOS)) {
            return;
        }
        Map<String, Entry> found = new LinkedHashMap<>();
        Entry builtIn;
        try {
            builtIn = new Entry(BuiltInModel.NAME, BuiltInModel.NAME + " (built-in)", BuiltInModel.folder(),
                    ModelInfo.resolve(BuiltInModel.NAME), null);
        } catch (RuntimeException ex) {
            builtIn = new Entry(BuiltInModel.NAME, BuiltInModel.NAME + " (built-in)", BuiltInModel.folder(), null,
                    message(ex));
        }
        found.put(builtIn.id(), builtIn);
        List<Lora> foundLoras = new ArrayList<>();
        for (Path root : roots) {
            String prefix = roots.size() > 1 ? root.getFileName() + "/" : "";
            List<Path> folders = new ArrayList<>();
            List<Path> files = new ArrayList<>();
            walk(root, 0, folders, files);
            for (Path f : folders) {
                String rel = root.relativize(f).toString().replace('\\', '/');
                String id = prefix + (rel.isEmpty() ? root.getFileName().toString() : rel);
                if (rel.isEmpty() && roots.size() == 1) {
                    id = root.getFileName().toString();
                }
                String unique = id;
                for (int i = 2; found.containsKey(unique); i++) {
                    unique = id + "#" + i;
                }
                found.put(unique, entry(unique, unique, f));
            }
            for (Path f : files) {
                String rel = prefix + root.relativize(f).toString().replace('\\', '/');
                long size;
                try {
                    size = Files.size(f);
                } catch (IOException ex) {
                    size = -1;
                }
                foundLoras.add(new Lora(rel, f, size));
            }
        }
        foundLoras.sort(Comparator.comparing(Lora::id));
        entries = found;
        loras = List.copyOf(foundLoras);
        scannedAt = now;
        scanned = true;
    }

    private static Entry entry(String id, String label, Path folder) {
        try {
            return new Entry(id, label, folder, ModelInfo.resolve(folder.toString()), null);
        } catch (RuntimeException ex) {
            LOG.info("model folder {} is listed but cannot be used: {}", folder, message(ex));
            return new Entry(id, label, folder, null, message(ex));
        }
    }

    /** Model folders (holding model_index.json; not descended into) and loose .safetensors files, hidden names skipped. */
    private static void walk(Path dir, int depth, List<Path> folders, List<Path> files) {
        if (Files.isRegularFile(dir.resolve("model_index.json"))) {
            folders.add(dir);
            return;
        }
        if (depth >= MAX_DEPTH) {
            return;
        }
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(children::add);
        } catch (IOException | UncheckedIOException ex) {
            LOG.debug("cannot list {}: {}", dir, ex.toString());
            return;
        }
        children.sort(Comparator.comparing(Path::toString));
        for (Path c : children) {
            String name = c.getFileName().toString();
            if (name.startsWith(".")) {
                continue;
            }
            if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
                walk(c, depth + 1, folders, files);
            } else if (name.endsWith(".safetensors") && Files.isRegularFile(c, LinkOption.NOFOLLOW_LINKS)) {
                files.add(c);
            }
        }
    }

    static String message(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
