package dev.nibble.app;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code nibble backends}: every discovered backend, whether it is available and why, its devices. */
@Command(name = "backends", description = "List discovered backends, their devices and memory, and why any is unavailable.")
final class BackendsCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() {
        Backends backends = Backends.discover();
        String auto = backends.available().stream().findFirst().map(Backend::name).orElse(null);
        if (json) {
            ObjectNode root = JsonOutput.object();
            ArrayNode arr = root.putArray("backends");
            for (Backend b : backends.all()) {
                Availability a = b.probe();
                ObjectNode o = arr.addObject();
                o.put("name", b.name());
                o.put("available", a.available());
                o.put("reason", a.reason());
                o.put("score", b.score());
                ArrayNode devs = o.putArray("devices");
                for (Device d : a.available() ? b.devices() : List.<Device>of()) {
                    ObjectNode dn = devs.addObject();
                    dn.put("name", d.name());
                    dn.put("kind", d.kind().name().toLowerCase(java.util.Locale.ROOT));
                    dn.put("memory_total_bytes", d.memoryTotal());
                    dn.put("memory_free_bytes", d.memoryFree());
                }
            }
            root.put("auto", auto);
            JsonOutput.print(root);
            return NibbleCli.EXIT_OK;
        }
        System.out.printf("%-8s %-10s %5s  %s%n", "BACKEND", "AVAILABLE", "SCORE", "DETAIL");
        for (Backend b : backends.all()) {
            Availability a = b.probe();
            System.out.printf("%-8s %-10s %5d  %s%n", b.name(), a.available() ? "yes" : "no", b.score(), a.reason());
            if (a.available()) {
                for (Device d : b.devices()) {
                    System.out.printf("%-8s %-10s %5s    device %s: %s, %.1f GiB total, %.1f GiB free%n", "", "", "",
                            d.name(), d.kind().name().toLowerCase(java.util.Locale.ROOT),
                            d.memoryTotal() / 1073741824.0, d.memoryFree() / 1073741824.0);
                }
            }
        }
        System.out.println("auto selects: " + (auto == null ? "nothing (no backend available)" : auto));
        return NibbleCli.EXIT_OK;
    }
}
