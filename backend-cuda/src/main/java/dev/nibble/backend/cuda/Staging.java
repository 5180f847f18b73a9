package dev.nibble.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Host↔device transfers through two pinned (page-locked) staging buffers, used alternately: a chunk
 * is copied into one while the DMA of the previous chunk from the other is in flight. Uploads return
 * once the data is in staging (the copy completes in stream order before any later kernel); reads
 * return when the data is in the caller's segment. Falls back to pageable copies when pinned memory
 * cannot be had. Not thread-safe: the device serialises calls.
 */
final class Staging {
    static final long CHUNK = 8L << 20;

    private final CUstream stream;
    private final Pointer[] pinned = new Pointer[2];
    private final MemorySegment[] segments = new MemorySegment[2];
    private final CUevent[] events = new CUevent[2];
    private final boolean usable;

    Staging(CUstream stream) {
        this.stream = stream;
        boolean ok = true;
        for (int i = 0; i < 2; i++) {
            pinned[i] = new Pointer();
            if (JCudaDriver.cuMemAllocHost(pinned[i], CHUNK) != 0) {
                ok = false;
                break;
            }
            ByteBuffer bb = pinned[i].getByteBuffer(0, CHUNK).order(ByteOrder.nativeOrder());
            segments[i] = MemorySegment.ofBuffer(bb);
            events[i] = new CUevent();
            Cu.check(JCudaDriver.cuEventCreate(events[i], CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        }
        this.usable = ok;
    }

    boolean pinned() {
        return usable;
    }

    void upload(CUdeviceptr dst, MemorySegment src) {
        long n = src.byteSize();
        if (!usable) {
            pageable(dst, src);
            return;
        }
        int k = 0;
        for (long done = 0; done < n; done += CHUNK, k++) {
            int h = k & 1;
            long c = Math.min(CHUNK, n - done);
            Cu.check(JCudaDriver.cuEventSynchronize(events[h]), "cuEventSynchronize(staging)");
            MemorySegment.copy(src, done, segments[h], 0, c);
            Cu.check(JCudaDriver.cuMemcpyHtoDAsync(dst.withByteOffset(done), pinned[h], c, stream), "cuMemcpyHtoDAsync");
            Cu.check(JCudaDriver.cuEventRecord(events[h], stream), "cuEventRecord(staging)");
        }
    }

    void download(CUdeviceptr src, MemorySegment dst) {
        long n = dst.byteSize();
        if (!usable) {
            Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
            byte[] tmp = new byte[Math.toIntExact(Math.min(n, CHUNK))];
            for (long done = 0; done < n; done += tmp.length) {
                int c = (int) Math.min(tmp.length, n - done);
                Cu.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(tmp), src.withByteOffset(done), c), "cuMemcpyDtoH");
                MemorySegment.copy(MemorySegment.ofArray(tmp), 0, dst, done, c);
            }
            return;
        }
        // issue chunk k+1 before copying chunk k out of staging
        long chunks = (n + CHUNK - 1) / CHUNK;
        if (chunks == 0) {
            return;
        }
        issueRead(src, n, 0);
        for (long k = 0; k < chunks; k++) {
            int h = (int) (k & 1);
            if (k + 1 < chunks) {
                issueRead(src, n, k + 1);
            }
            Cu.check(JCudaDriver.cuEventSynchronize(events[h]), "cuEventSynchronize(staging)");
            long done = k * CHUNK;
            MemorySegment.copy(segments[h], 0, dst, done, Math.min(CHUNK, n - done));
        }
    }

    private void issueRead(CUdeviceptr src, long n, long k) {
        int h = (int) (k & 1);
        long done = k * CHUNK;
        long c = Math.min(CHUNK, n - done);
        Cu.check(JCudaDriver.cuMemcpyDtoHAsync(pinned[h], src.withByteOffset(done), c, stream), "cuMemcpyDtoHAsync");
        Cu.check(JCudaDriver.cuEventRecord(events[h], stream), "cuEventRecord(staging)");
    }

    private void pageable(CUdeviceptr dst, MemorySegment src) {
        Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
        long n = src.byteSize();
        byte[] tmp = new byte[Math.toIntExact(Math.min(n, CHUNK))];
        for (long done = 0; done < n; done += tmp.length) {
            int c = (int) Math.min(tmp.length, n - done);
            MemorySegment.copy(src, done, MemorySegment.ofArray(tmp), 0, c);
            Cu.check(JCudaDriver.cuMemcpyHtoD(dst.withByteOffset(done), Pointer.to(tmp), c), "cuMemcpyHtoD");
        }
    }
}
