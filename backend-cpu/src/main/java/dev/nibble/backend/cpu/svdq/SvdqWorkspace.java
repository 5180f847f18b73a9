package dev.nibble.backend.cpu.svdq;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Scratch memory of the fast SVDQ kernel, shared by all its kernels: layers run one after another, so
 * one workspace sized for the largest layer serves them all (a workspace per kernel would cost
 * hundreds of MB over a 12B model). Kernels {@link #reserve} their sizes when created, which grows
 * the idle workspaces then; {@link #acquire} at run time only allocates when several graphs run at
 * the same moment and the pool is empty.
 *
 * <p>A workspace holds one chunk of quantised activations (codes, scales, the down-projection) and a
 * queue of per-thread scratch (one unpacked weight group, one tile of float accumulators, two rows of
 * staging); each parallel task takes one from the queue and gives it back.
 */
final class SvdqWorkspace {
    /** Sizes (in elements) a kernel needs. */
    record Need(int qx, int sx, int t, int wbuf, int yacc, int rowsF) {
        Need max(Need o) {
            return new Need(Math.max(qx, o.qx), Math.max(sx, o.sx), Math.max(t, o.t), Math.max(wbuf, o.wbuf),
                    Math.max(yacc, o.yacc), Math.max(rowsF, o.rowsF));
        }

        boolean fits(Need o) {
            return qx >= o.qx && sx >= o.sx && t >= o.t && wbuf >= o.wbuf && yacc >= o.yacc && rowsF >= o.rowsF;
        }
    }

    static final class ThreadScratch {
        final short[] wbuf;
        /** The micro-kernel's 16 short accumulators [4 rows][NC]. */
        final short[] acc = new short[4 * SvdqFast.NC];
        /** One channel's bytes of one group (the row-major weight gather). */
        final byte[] bytes = new byte[SvdqFast.MAX_GROUP / 2];
        final float[] yacc;
        /** Raw x of four rows [4][K], then x̂ of one row [Kp]. */
        final float[] rows;

        ThreadScratch(Need n) {
            ALLOCATED.addAndGet(2L * n.wbuf + 4L * n.yacc + 4L * n.rowsF + 2L * 4 * SvdqFast.NC + SvdqFast.MAX_GROUP / 2);
            wbuf = new short[n.wbuf];
            yacc = new float[n.yacc];
            rows = new float[n.rowsF];
        }
    }

    private static final ConcurrentLinkedDeque<SvdqWorkspace> IDLE = new ConcurrentLinkedDeque<>();
    private static final java.util.concurrent.atomic.AtomicLong ALLOCATED = new java.util.concurrent.atomic.AtomicLong();
    private static Need need = new Need(0, 0, 0, 0, 0, 0);

    final Need size;
    final short[] qx;
    final float[] sx;
    final float[] t;
    private final ConcurrentLinkedQueue<ThreadScratch> threads = new ConcurrentLinkedQueue<>();

    private SvdqWorkspace(Need n, int threadCount) {
        size = n;
        ALLOCATED.addAndGet(2L * n.qx + 4L * n.sx + 4L * n.t);
        qx = new short[n.qx];
        sx = new float[n.sx];
        t = new float[n.t];
        for (int i = 0; i < threadCount; i++) {
            threads.add(new ThreadScratch(n));
        }
    }

    private static int threadCount() {
        return dev.nibble.backend.cpu.CpuPool.threads() + 1;
    }

    /** Records a kernel's needs and grows the idle workspaces to them (allocation happens here, at create). */
    static synchronized void reserve(Need n) {
        need = need.max(n);
        int idle = IDLE.size();
        for (int i = 0; i < idle; i++) {
            SvdqWorkspace w = IDLE.pollFirst();
            if (w == null) {
                break;
            }
            IDLE.addLast(w.size.fits(need) ? w : new SvdqWorkspace(need, threadCount()));
        }
        if (IDLE.isEmpty()) {
            IDLE.add(new SvdqWorkspace(need, threadCount()));
        }
    }

    /** Bytes of scratch allocated so far (replaced workspaces included until they are collected). */
    static long allocatedBytes() {
        return ALLOCATED.get();
    }

    static SvdqWorkspace acquire(Need n) {
        SvdqWorkspace w = IDLE.pollFirst();
        if (w != null && w.size.fits(n)) {
            return w;
        }
        synchronized (SvdqWorkspace.class) {
            need = need.max(n);
            return new SvdqWorkspace(need, threadCount());
        }
    }

    static void release(SvdqWorkspace w) {
        IDLE.addFirst(w);
    }

    ThreadScratch take() {
        ThreadScratch s = threads.poll();
        return s != null ? s : new ThreadScratch(size);
    }

    void give(ThreadScratch s) {
        threads.add(s);
    }
}
