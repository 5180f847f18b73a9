package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.DeviceBuffer;
import org.jocl.Pointer;
import org.jocl.cl_mem;

import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Packed copies of constant weights for the CPU-device kernels (linear.cl's panels, svdq.cl's
 * unpacked codes), one per device, shared by every kernel that packs the same source memory the same
 * way. The key is the sources' cl_mem handles, offsets and sizes plus the layout; entries are held
 * weakly (a copy lives while some kernel holds it, and its memory is released after).
 *
 * <p>Whether a copy is current is decided on the device, without waiting: before each use,
 * pack.cl's {@code nb_fingerprint} compares 257 words sampled over each source with those seen when the
 * copy was made and raises a flag if any differ (a buffer freed and reused for other data, weights
 * streamed into the same memory); the packing kernel, enqueued after it on the in-order queue, repacks
 * only under that flag. Like the CPU backend's weight cache this assumes weights are replaced whole,
 * not edited in a few places.
 *
 * <p>A copy goes when its source buffer is released ({@link #forget}): under a weight budget the executor
 * evicts and re-uploads weights, and their packed copies must not outlive them on the device.
 */
final class PackCache {
    /** Words sampled per source (pack.cl's NB_SAMPLES + 1). */
    static final int SAMPLES = 257;

    private record Source(long mem, long offset, long bytes) {
    }

    private record Key(List<Source> sources, String layout) {
    }

    /** One packed copy: {@link #data} (the layout's bytes) and its state word + saved samples. */
    static final class Entry {
        final cl_mem data;
        final cl_mem state;
        private final OpenClDevice.Owned dataMemory;
        private final OpenClDevice.Owned stateMemory;
        private boolean fresh = true;

        private Entry(OpenClDevice d, long bytes, int sources, String what) {
            this.dataMemory = d.ownedScratch(this, Math.max(64, bytes), what);
            this.stateMemory = d.ownedScratch(this, 4L * (1 + (long) sources * SAMPLES), what + " (state)");
            this.data = dataMemory.mem();
            this.state = stateMemory.mem();
            int[] zero = new int[1 + sources * SAMPLES];
            d.writeRaw(state, 0, 4L * zero.length, Pointer.to(zero));
        }

        /** Frees the copy now; kernels still holding it re-{@link #prepare} before their next use. */
        private void release() {
            dataMemory.release().clean();
            stateMemory.release().clean();
        }
    }

    private final OpenClDevice device;
    private final Map<Key, WeakReference<Entry>> map = new HashMap<>();
    private org.jocl.cl_kernel fingerprint;

    PackCache(OpenClDevice device) {
        this.device = device;
    }

    /**
     * The packed copy of {@code sources} in {@code layout} ({@code bytes} long), with the checks
     * enqueued: kernels enqueued next see state[0] != 0 exactly when they must (re)pack.
     */
    /** Drops (and frees) every copy made from the buffer with native handle {@code mem}, which is being released. */
    void forget(long mem) {
        List<Entry> gone = new java.util.ArrayList<>();
        synchronized (this) {
            var it = map.entrySet().iterator();
            while (it.hasNext()) {
                var e = it.next();
                if (e.getKey().sources().stream().anyMatch(s -> s.mem() == mem)) {
                    Entry entry = e.getValue().get();
                    if (entry != null) {
                        gone.add(entry);
                    }
                    it.remove();
                }
            }
        }
        // kernels still queued keep their buffers: OpenCL deletes a released memory object only after the
        // commands using it have finished
        gone.forEach(Entry::release);
    }

    Entry prepare(List<DeviceBuffer> sources, String layout, long bytes, String what, Node node) {
        Source[] s = new Source[sources.size()];
        for (int i = 0; i < s.length; i++) {
            OpenClBuffer b = (OpenClBuffer) sources.get(i);
            s[i] = new Source(b.mem().getNativePointer(), b.offset(), b.byteSize());
        }
        Key key = new Key(List.of(s), layout);
        Entry e;
        boolean force;
        synchronized (this) {
            WeakReference<Entry> ref = map.get(key);
            e = ref == null ? null : ref.get();
            if (e == null) {
                map.values().removeIf(r -> r.get() == null);
                e = new Entry(device, bytes, s.length, what);
                map.put(key, new WeakReference<>(e));
            }
            if (fingerprint == null) {
                fingerprint = device.programs().kernel("pack.cl", "", "nb_fingerprint", node.op().opName());
            }
            force = e.fresh;
            e.fresh = false;
        }
        for (int i = 0; i < s.length; i++) {
            OpenClBuffer b = (OpenClBuffer) sources.get(i);
            new ClCall(device, fingerprint, "nb_fingerprint", node).mem(b.mem()).l(b.offset()).l(b.byteSize()).mem(e.state).i(i).i(force)
                    .launch1(1, 1);
        }
        return e;
    }
}
