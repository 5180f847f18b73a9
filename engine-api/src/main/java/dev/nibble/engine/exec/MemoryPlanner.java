package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Stage 3: liveness-based memory planning. Every activation is live from the step that defines it
 * (graph inputs: step 0) to the last step that reads it (graph outputs: the last step). Values are
 * placed largest first at the lowest offset of their arena that no time-overlapping value occupies
 * ("greedy by size"), which packs chains, diamonds and skip connections at their liveness bound.
 */
public final class MemoryPlanner {
    /** Every buffer starts on this boundary (cache lines; vector loads). */
    public static final long ALIGNMENT = 64;

    private MemoryPlanner() {
    }

    record Interval(Value value, Object arena, long bytes, int start, int end) {
        boolean overlaps(Interval o) {
            return start <= o.end && o.start <= end;
        }
    }

    public static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /**
     * Plans {@code nodes} (in run order). {@code inputs} are live from step 0, {@code outputs} until
     * the end; {@code constants} are not planned. {@code arenaOf} names the arena (device) of each value.
     */
    public static MemoryPlan plan(List<Node> nodes, Collection<Value> inputs, Collection<Value> outputs,
                                  Set<Value> constants, Function<Value, Object> arenaOf) {
        Map<Value, int[]> live = new LinkedHashMap<>();
        for (Value in : inputs) {
            live.put(in, new int[]{0, 0});
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            for (Value in : n.inputs()) {
                if (constants.contains(in)) {
                    continue;
                }
                int[] se = live.get(in);
                if (se == null) {
                    throw new IllegalStateException("value " + in + " read by " + n + " before it is defined");
                }
                se[1] = Math.max(se[1], i);
            }
            for (Value out : n.outputs()) {
                live.put(out, new int[]{i, i});
            }
        }
        int last = Math.max(0, nodes.size() - 1);
        Set<Value> outs = new HashSet<>(outputs);
        List<Interval> intervals = new ArrayList<>();
        for (var e : live.entrySet()) {
            int end = outs.contains(e.getKey()) ? last : e.getValue()[1];
            intervals.add(new Interval(e.getKey(), arenaOf.apply(e.getKey()), align(e.getKey().spec().byteSize()),
                    e.getValue()[0], end));
        }
        return assign(intervals, nodes.size());
    }

    static MemoryPlan assign(List<Interval> intervals, int steps) {
        List<Interval> bySize = new ArrayList<>(intervals);
        bySize.sort(Comparator.comparingLong(Interval::bytes).reversed()
                .thenComparingInt(Interval::start).thenComparingInt(i -> i.value().id()));
        Map<Value, Long> offsets = new HashMap<>();
        Map<Value, Object> arenaOf = new HashMap<>();
        Map<Object, List<Interval>> placed = new HashMap<>();
        Map<Object, Long> arenaBytes = new HashMap<>();
        for (Interval iv : bySize) {
            List<Interval> same = placed.computeIfAbsent(iv.arena(), a -> new ArrayList<>());
            List<Interval> conflicts = new ArrayList<>();
            for (Interval p : same) {
                if (p.overlaps(iv)) {
                    conflicts.add(p);
                }
            }
            conflicts.sort(Comparator.comparingLong(p -> offsets.get(p.value())));
            long offset = bestFit(iv.bytes(), conflicts, offsets);
            offsets.put(iv.value(), offset);
            arenaOf.put(iv.value(), iv.arena());
            same.add(iv);
            arenaBytes.merge(iv.arena(), offset + iv.bytes(), Math::max);
        }
        Map<Object, Long> peak = new HashMap<>();
        for (Object arena : placed.keySet()) {
            long max = 0;
            for (int t = 0; t < Math.max(1, steps); t++) {
                long sum = 0;
                for (Interval iv : placed.get(arena)) {
                    if (iv.start() <= t && t <= iv.end()) {
                        sum += iv.bytes();
                    }
                }
                max = Math.max(max, sum);
            }
            peak.put(arena, max);
        }
        return new MemoryPlan(offsets, arenaOf, arenaBytes, peak);
    }

    /** The smallest gap between conflicting buffers that holds {@code bytes}, else the end. */
    private static long bestFit(long bytes, List<Interval> conflicts, Map<Value, Long> offsets) {
        long cursor = 0;
        long best = -1;
        long bestGap = Long.MAX_VALUE;
        for (Interval c : conflicts) {
            long start = offsets.get(c.value());
            long gap = start - cursor;
            if (gap >= bytes && gap < bestGap) {
                best = cursor;
                bestGap = gap;
            }
            cursor = Math.max(cursor, start + c.bytes());
        }
        return best >= 0 ? best : cursor;
    }
}
