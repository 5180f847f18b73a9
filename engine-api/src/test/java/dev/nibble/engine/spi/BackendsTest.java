package dev.nibble.engine.spi;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backend selection: auto picks the best available; a named unavailable or unknown one fails with reasons. */
class BackendsTest {
    record Fake(String name, Availability probe, int score) implements Backend {
        @Override
        public List<Device> devices() {
            return List.of();
        }
    }

    private final Backends backends = new Backends(List.of(
            new Fake("slow", Availability.available("ok"), 10),
            new Fake("fast", Availability.available("ok"), 50),
            new Fake("best", Availability.unavailable("no driver libbest.so"), 100)));

    @Test
    void autoPicksTheHighestScoringAvailableBackend() {
        assertEquals("fast", backends.select("auto").name());
        assertEquals("fast", backends.select(null).name());
        assertEquals(List.of("best", "fast", "slow"), backends.all().stream().map(Backend::name).toList());
    }

    @Test
    void namingAnUnavailableBackendGivesItsReasonAndTheAvailableOnes() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> backends.select("best"));
        assertTrue(e.getMessage().contains("no driver libbest.so"), e.getMessage());
        assertTrue(e.getMessage().contains("available: fast, slow"), e.getMessage());
    }

    @Test
    void unknownBackendListsTheKnownOnes() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> backends.select("tpu"));
        assertTrue(e.getMessage().contains("unknown backend 'tpu'") && e.getMessage().contains("best, fast, slow"), e.getMessage());
    }

    @Test
    void namesAreCaseInsensitive() {
        assertEquals("slow", backends.select("SLOW").name());
    }

    @Test
    void nothingAvailableIsAClearError() {
        Backends none = new Backends(List.of(new Fake("x", Availability.unavailable("gone"), 1)));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> none.select("auto"));
        assertTrue(e.getMessage().contains("x (gone)"), e.getMessage());
    }
}
