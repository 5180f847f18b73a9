package dev.nibble.app.serve;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The jobs of one backend's device: one worker thread runs them in arrival order, and at most {@code capacity}
 * jobs (waiting and running together) are held; a request beyond that is refused at once rather than left to
 * wait without bound.
 */
final class DeviceQueue {
    private final String name;
    private final int capacity;
    private final AtomicInteger held = new AtomicInteger();
    private final ExecutorService worker;

    DeviceQueue(String name, int capacity) {
        this.name = name;
        this.capacity = capacity;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nibble-serve-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    String name() {
        return name;
    }

    int capacity() {
        return capacity;
    }

    /** Jobs waiting or running. */
    int held() {
        return held.get();
    }

    /**
     * Takes the task if there is room; returns its position (0: runs next / now) or -1 when the queue is full.
     * The slot is freed when the task ends, however it ends.
     */
    int offer(Runnable task) {
        int n;
        do {
            n = held.get();
            if (n >= capacity) {
                return -1;
            }
        } while (!held.compareAndSet(n, n + 1));
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } finally {
                    held.decrementAndGet();
                }
            });
        } catch (RuntimeException e) { // shut down
            held.decrementAndGet();
            return -1;
        }
        return n;
    }

    void shutdown(long waitMillis) {
        worker.shutdownNow();
        try {
            worker.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
