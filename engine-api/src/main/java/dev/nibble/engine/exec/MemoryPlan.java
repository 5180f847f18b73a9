package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Value;

import java.util.Map;

/**
 * Where every activation lives: an offset in its device's arena. {@code arenaBytes} is what each
 * arena must hold; {@code peakLiveBytes} is the most bytes simultaneously live at any step (a lower
 * bound on the arena, reached when the offsets pack perfectly).
 */
public record MemoryPlan(Map<Value, Long> offsets, Map<Value, Object> arenaOf, Map<Object, Long> arenaBytes,
                         Map<Object, Long> peakLiveBytes) {
    public MemoryPlan {
        offsets = Map.copyOf(offsets);
        arenaOf = Map.copyOf(arenaOf);
        arenaBytes = Map.copyOf(arenaBytes);
        peakLiveBytes = Map.copyOf(peakLiveBytes);
    }

    public long totalArenaBytes() {
        return arenaBytes.values().stream().mapToLong(Long::longValue).sum();
    }

    public long totalPeakLiveBytes() {
        return peakLiveBytes.values().stream().mapToLong(Long::longValue).sum();
    }
}
