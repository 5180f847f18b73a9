package dev.nibble.backend.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The caching allocator's logic against a fake backing allocator with a capacity. */
class SizeClassAllocatorTest {

    /** Hands out increasing fake addresses until its capacity is used; records frees. */
    static final class Fake implements SizeClassAllocator.Backing<Long> {
        final long capacity;
        long used;
        long next = 0x1000;
        int allocs;
        final List<Long> freed = new ArrayList<>();
        final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();

        Fake(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public Long allocate(long bytes) {
            if (used + bytes > capacity) {
                return null;
            }
            used += bytes;
            allocs++;
            long a = next;
            next += bytes + 256;
            sizes.put(a, bytes);
            return a;
        }

        @Override
        public void free(Long handle) {
            used -= sizes.remove(handle);
            freed.add(handle);
        }
    }

    @Test
    void sizeClassesRoundUpByAtMostAnEighth() {
        assertEquals(512, SizeClassAllocator.sizeClass(0));
        assertEquals(512, SizeClassAllocator.sizeClass(1));
        assertEquals(512, SizeClassAllocator.sizeClass(512));
        assertEquals(1024, SizeClassAllocator.sizeClass(513));
        assertEquals(4096, SizeClassAllocator.sizeClass(4000));
        assertEquals(4608, SizeClassAllocator.sizeClass(4097));
        assertEquals(1L << 20, SizeClassAllocator.sizeClass(1L << 20));
        assertEquals((1L << 20) + (1L << 17), SizeClassAllocator.sizeClass((1L << 20) + 1));
        for (long b = 1; b < (1L << 34); b = b * 3 + 7) {
            long c = SizeClassAllocator.sizeClass(b);
            assertTrue(c >= b, b + " -> " + c);
            assertTrue(c <= Math.max(512, b + b / 8 + 512), b + " -> " + c + " wastes more than an eighth");
            assertEquals(c, SizeClassAllocator.sizeClass(c), "a class is its own class: " + c);
            assertEquals(0, c % 512, "classes are multiples of 512: " + c);
        }
    }

    @Test
    void freedBlocksAreReusedWithinTheirClass() {
        Fake fake = new Fake(1L << 30);
        SizeClassAllocator<Long> a = new SizeClassAllocator<>(fake);
        var b1 = a.allocate(1000);
        var b2 = a.allocate(100_000);
        assertEquals(2, fake.allocs);
        a.release(b1);
        var b3 = a.allocate(900); // same class (1024) as 1000: reuses b1
        assertEquals(b1.handle(), b3.handle());
        assertEquals(2, fake.allocs);
        var b4 = a.allocate(2000); // another class: a fresh backing allocation
        assertNotEquals(b1.handle(), b4.handle());
        assertEquals(3, fake.allocs);
        var s = a.stats();
        assertEquals(1, s.reuses());
        assertEquals(3, s.backingAllocs());
        assertEquals(1024 + SizeClassAllocator.sizeClass(100_000) + 2048, s.inUse());
        assertEquals(0, s.cached());
        a.release(b2);
        a.release(b3);
        a.release(b4);
        assertEquals(0, a.stats().inUse());
        assertEquals(fake.used, a.stats().cached(), "everything released is cached, nothing freed");
        assertTrue(fake.freed.isEmpty());
    }

    @Test
    void highWaterMarkTracksThePeak() {
        SizeClassAllocator<Long> a = new SizeClassAllocator<>(new Fake(1L << 30));
        var x = a.allocate(4096);
        var y = a.allocate(8192);
        a.release(x);
        var z = a.allocate(512);
        assertEquals(8192 + 512, a.stats().inUse());
        assertEquals(4096 + 8192, a.stats().highWater());
        assertEquals(4096 + 8192 + 512, a.stats().reservedHighWater(), "x stayed cached while z was taken");
        a.release(y);
        a.release(z);
        assertEquals(4096 + 8192, a.stats().highWater());
    }

    @Test
    void outOfMemoryReleasesTheCacheAndRetriesOnce() {
        Fake fake = new Fake(10_240);
        SizeClassAllocator<Long> a = new SizeClassAllocator<>(fake);
        var small = a.allocate(4096);
        a.release(small); // 4096 cached
        var big = a.allocate(8192); // 4096 + 8192 > 10240: cache released, retried
        assertEquals(List.of(small.handle()), fake.freed);
        assertEquals(8192, a.stats().inUse());
        assertEquals(0, a.stats().cached());
        assertThrows(SizeClassAllocator.OutOfMemory.class, () -> a.allocate(4096));
        a.release(big);
        assertEquals(8192, a.stats().cached());
    }

    @Test
    void cacheLimitFreesPastIt() {
        Fake fake = new Fake(1L << 30);
        SizeClassAllocator<Long> a = new SizeClassAllocator<>(fake, 4096);
        var b1 = a.allocate(4096);
        var b2 = a.allocate(4096);
        a.release(b1);
        a.release(b2); // over the limit: freed to the backing allocator
        assertEquals(4096, a.stats().cached());
        assertEquals(List.of(b2.handle()), fake.freed);
        a.releaseCache();
        assertEquals(0, a.stats().cached());
        assertEquals(0, fake.used);
    }

    @Test
    void manyBlocksGetDistinctHandles() {
        SizeClassAllocator<Long> a = new SizeClassAllocator<>(new Fake(1L << 40));
        Set<Long> seen = new HashSet<>();
        List<SizeClassAllocator.Block<Long>> live = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            if (!live.isEmpty() && r.nextInt(3) == 0) {
                var b = live.remove(r.nextInt(live.size()));
                seen.remove(b.handle());
                a.release(b);
            } else {
                var b = a.allocate(1 + r.nextInt(1 << 20));
                assertTrue(seen.add(b.handle()), "a live handle was handed out twice");
                live.add(b);
            }
        }
        long sum = live.stream().mapToLong(SizeClassAllocator.Block::bytes).sum();
        assertEquals(sum, a.stats().inUse());
    }
}
