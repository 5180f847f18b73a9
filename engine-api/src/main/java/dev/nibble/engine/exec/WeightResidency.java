package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.DeviceOutOfMemoryException;
import dev.nibble.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Which weights are on which device. Unbudgeted, a weight is uploaded on first use and stays. Under a
 * budget, each device holds at most that many weight bytes: before a node runs its weights are made
 * resident, evicting those whose next use is furthest away (Belady's rule — the run order is known),
 * and the next node's weights are uploaded on a background thread while the current node runs.
 */
final class WeightResidency implements AutoCloseable {
    private final List<Node> nodes;
    private final Map<Node, Device> deviceOf;
    private final Map<Value, Tensor> constants;
    private final long budget;
    /** For each constant, the node indices that read it, ascending. */
    private final Map<Value, int[]> uses = new HashMap<>();
    private final Map<Device, Map<Value, DeviceBuffer>> resident = new LinkedHashMap<>();
    private final Map<Device, Long> residentBytes = new HashMap<>();
    private final Map<Device, Long> peakBytes = new LinkedHashMap<>();
    private final ExecutorService prefetcher;
    private CompletableFuture<Void> pending = CompletableFuture.completedFuture(null);
    private long uploads;

    WeightResidency(List<Node> nodes, Map<Node, Device> deviceOf, Map<Value, Tensor> constants, long budget) {
        this.nodes = nodes;
        this.deviceOf = deviceOf;
        this.constants = constants;
        this.budget = budget;
        Map<Value, List<Integer>> u = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (Value v : nodes.get(i).inputs()) {
                if (constants.containsKey(v)) {
                    List<Integer> l = u.computeIfAbsent(v, k -> new ArrayList<>());
                    if (l.isEmpty() || l.get(l.size() - 1) != i) {
                        l.add(i);
                    }
                }
            }
        }
        u.forEach((v, l) -> uses.put(v, l.stream().mapToInt(Integer::intValue).toArray()));
        for (int i = 0; i < nodes.size(); i++) {
            long need = weightBytes(i);
            if (budget > 0 && need > budget) {
                throw new DeviceOutOfMemoryException(deviceOf.get(nodes.get(i)).name() + " (weight budget; node "
                        + nodes.get(i) + " alone reads " + need + " weight bytes)", need, budget);
            }
        }
        this.prefetcher = budget > 0 ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nibble-weight-prefetch");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    private long weightBytes(int node) {
        long sum = 0;
        for (Value v : distinctConstants(node)) {
            sum += constants.get(v).byteSize();
        }
        return sum;
    }

    private List<Value> distinctConstants(int node) {
        List<Value> out = new ArrayList<>();
        for (Value v : nodes.get(node).inputs()) {
            if (constants.containsKey(v) && !out.contains(v)) {
                out.add(v);
            }
        }
        return out;
    }

    /** The buffer of constant {@code v} on {@code d}, uploading it if needed (unbudgeted path and outputs). */
    synchronized DeviceBuffer buffer(Value v, Device d) {
        DeviceBuffer b = resident.computeIfAbsent(d, k -> new IdentityHashMap<>()).get(v);
        if (b == null) {
            b = upload(v, d);
        }
        return b;
    }

    /** Makes node {@code i}'s weights resident before it runs, and starts prefetching node i+1's. */
    void beforeNode(int i) {
        if (budget == 0) {
            return;
        }
        pending.join();
        ensure(i);
        if (i + 1 < nodes.size()) {
            int next = i + 1;
            pending = CompletableFuture.runAsync(() -> prefetch(next, i), prefetcher);
        }
    }

    private synchronized void ensure(int i) {
        Device d = deviceOf.get(nodes.get(i));
        List<Value> needed = distinctConstants(i);
        long missing = 0;
        Map<Value, DeviceBuffer> res = resident.computeIfAbsent(d, k -> new IdentityHashMap<>());
        for (Value v : needed) {
            if (!res.containsKey(v)) {
                missing += constants.get(v).byteSize();
            }
        }
        evictFor(d, missing, i, needed);
        for (Value v : needed) {
            if (!res.containsKey(v)) {
                upload(v, d);
            }
        }
    }

    /** Uploads node {@code next}'s weights if that needs no eviction of what node {@code current} reads. */
    private synchronized void prefetch(int next, int current) {
        Device d = deviceOf.get(nodes.get(next));
        Map<Value, DeviceBuffer> res = resident.computeIfAbsent(d, k -> new IdentityHashMap<>());
        List<Value> keep = new ArrayList<>(distinctConstants(current));
        keep.addAll(distinctConstants(next));
        long missing = 0;
        for (Value v : distinctConstants(next)) {
            if (!res.containsKey(v)) {
                missing += constants.get(v).byteSize();
            }
        }
        if (missing == 0 || !evictFor(d, missing, current, keep)) {
            return;
        }
        for (Value v : distinctConstants(next)) {
            if (!res.containsKey(v)) {
                upload(v, d);
            }
        }
    }

    /** Frees room for {@code bytes} more on {@code d}, never evicting {@code keep}; false if impossible. */
    private boolean evictFor(Device d, long bytes, int now, List<Value> keep) {
        Map<Value, DeviceBuffer> res = resident.get(d);
        while (residentBytes.getOrDefault(d, 0L) + bytes > budget) {
            Value victim = null;
            int furthest = -1;
            for (Value v : res.keySet()) {
                if (keep.contains(v)) {
                    continue;
                }
                int next = nextUse(v, now);
                if (next > furthest) {
                    furthest = next;
                    victim = v;
                }
            }
            if (victim == null) {
                return false;
            }
            DeviceBuffer b = res.remove(victim);
            residentBytes.merge(d, -constants.get(victim).byteSize(), Long::sum);
            b.close();
        }
        return true;
    }

    /** The first use of {@code v} after node {@code now}; beyond the end (never again this run) ranks furthest. */
    private int nextUse(Value v, int now) {
        for (int u : uses.getOrDefault(v, new int[0])) {
            if (u > now) {
                return u;
            }
        }
        return Integer.MAX_VALUE;
    }

    private DeviceBuffer upload(Value v, Device d) {
        Tensor t = constants.get(v);
        DeviceBuffer b = d.upload(t);
        resident.computeIfAbsent(d, k -> new IdentityHashMap<>()).put(v, b);
        long now = residentBytes.merge(d, t.byteSize(), Long::sum);
        peakBytes.merge(d, now, Math::max);
        uploads++;
        return b;
    }

    /** The most weight bytes each device held at once. */
    synchronized Map<String, Long> peakResidentBytes() {
        Map<String, Long> out = new LinkedHashMap<>();
        peakBytes.forEach((d, b) -> out.put(d.name(), b));
        return out;
    }

    synchronized Map<String, Long> residentBytes() {
        Map<String, Long> out = new LinkedHashMap<>();
        residentBytes.forEach((d, b) -> out.put(d.name(), b));
        return out;
    }

    synchronized long uploads() {
        return uploads;
    }

    @Override
    public synchronized void close() {
        pending.join();
        resident.values().forEach(m -> m.values().forEach(DeviceBuffer::close));
        resident.clear();
        residentBytes.clear();
        if (prefetcher != null) {
            prefetcher.shutdownNow();
        }
    }
}
