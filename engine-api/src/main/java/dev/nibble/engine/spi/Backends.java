package dev.nibble.engine.spi;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** The backends found on the class path, and the rules for picking one. */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    public static final String AUTO = "auto";

    private final List<Backend> backends;

    public Backends(List<Backend> backends) {
        List<Backend> sorted = new ArrayList<>(backends);
        sorted.sort(Comparator.comparingInt(Backend::score).reversed().thenComparing(Backend::name));
        this.backends = List.copyOf(sorted);
    }

    /** Every {@link Backend} registered through {@link ServiceLoader}; a provider that fails to load is logged and left out. */
    public static Backends discover() {
        List<Backend> found = new ArrayList<>();
        var it = ServiceLoader.load(Backend.class).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (java.util.ServiceConfigurationError | LinkageError e) {
                LOG.warn("a backend provider failed to load: {}", e.toString());
            }
        }
        return new Backends(found);
    }

    /** All backends, best score first. */
    public List<Backend> all() {
        return backends;
    }

    public List<Backend> available() {
        return backends.stream().filter(b -> b.probe().available()).toList();
    }

    /**
     * The backend named {@code name}, or with {@code "auto"} the highest-scoring available one.
     * Unknown or unavailable names fail with the reason and the list of available backends.
     */
    public Backend select(String name) {
        String wanted = name == null ? AUTO : name.toLowerCase(Locale.ROOT).trim();
        if (wanted.equals(AUTO)) {
            return available().stream().findFirst().orElseThrow(() -> new BackendUnavailableException(
                    "no backend is available: " + describeAll()));
        }
        for (Backend b : backends) {
            if (b.name().equals(wanted)) {
                Availability a = b.probe();
                if (!a.available()) {
                    throw new BackendUnavailableException("backend '" + wanted + "' is not available: " + a.reason()
                            + "; available: " + availableNames());
                }
                return b;
            }
        }
        throw new BackendUnavailableException("unknown backend '" + name + "'; known: "
                + backends.stream().map(Backend::name).collect(Collectors.joining(", "))
                + "; available: " + availableNames());
    }

    /** The first device of the selected backend. */
    public Device selectDevice(String name) {
        Backend b = select(name);
        List<Device> devices = b.devices();
        if (devices.isEmpty()) {
            throw new BackendUnavailableException("backend '" + b.name() + "' reports no devices");
        }
        return devices.get(0);
    }

    /** The CPU device that unsupported nodes fall back to. */
    public Device cpu() {
        return selectDevice("cpu");
    }

    private String availableNames() {
        List<Backend> a = available();
        return a.isEmpty() ? "none" : a.stream().map(Backend::name).collect(Collectors.joining(", "));
    }

    private String describeAll() {
        return backends.isEmpty() ? "no backend module is on the class path"
                : backends.stream().map(b -> b.name() + " (" + b.probe().reason() + ")").collect(Collectors.joining("; "));
    }
}
