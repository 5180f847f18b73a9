package dev.nibble.backend.vulkan;

import dev.nibble.engine.spi.BackendException;
import dev.nibble.engine.spi.DeviceOutOfMemoryException;
import dev.nibble.engine.spi.KernelException;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;
import org.lwjgl.vulkan.VkBufferCopy;
import org.lwjgl.vulkan.VkBufferCreateInfo;
import org.lwjgl.vulkan.VkBufferDeviceAddressInfo;
import org.lwjgl.vulkan.VkCommandBuffer;
import org.lwjgl.vulkan.VkCommandBufferAllocateInfo;
import org.lwjgl.vulkan.VkCommandBufferBeginInfo;
import org.lwjgl.vulkan.VkCommandPoolCreateInfo;
import org.lwjgl.vulkan.VkComputePipelineCreateInfo;
import org.lwjgl.vulkan.VkDevice;
import org.lwjgl.vulkan.VkDeviceCreateInfo;
import org.lwjgl.vulkan.VkDeviceQueueCreateInfo;
import org.lwjgl.vulkan.VkFenceCreateInfo;
import org.lwjgl.vulkan.VkMemoryAllocateFlagsInfo;
import org.lwjgl.vulkan.VkMemoryAllocateInfo;
import org.lwjgl.vulkan.VkMemoryBarrier;
import org.lwjgl.vulkan.VkMemoryRequirements;
import org.lwjgl.vulkan.VkPhysicalDeviceFeatures2;
import org.lwjgl.vulkan.VkPhysicalDeviceMemoryProperties;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan11Features;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan12Features;
import org.lwjgl.vulkan.VkPipelineCacheCreateInfo;
import org.lwjgl.vulkan.VkPipelineLayoutCreateInfo;
import org.lwjgl.vulkan.VkPushConstantRange;
import org.lwjgl.vulkan.VkQueue;
import org.lwjgl.vulkan.VkShaderModuleCreateInfo;
import org.lwjgl.vulkan.VkSpecializationInfo;
import org.lwjgl.vulkan.VkSpecializationMapEntry;
import org.lwjgl.vulkan.VkSubmitInfo;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.lwjgl.vulkan.VK10.*;
import static org.lwjgl.vulkan.VK12.*;

/**
 * The logical device behind a {@link VulkanDevice}: one compute queue, the memory pool, a staging
 * buffer, the pipelines, and the current batch. Kernels only record: every dispatch and copy goes
 * into the batch's one command buffer, with a memory barrier only where a command touches a range
 * an earlier command of the batch wrote (or writes one it read); {@link #synchronize()} submits the
 * batch once and waits. Host transfers go straight through mapped memory where device memory is
 * host-visible and coherent (integrated GPUs, lavapipe), else through the staging buffer with copy
 * commands. All methods are synchronised on this object.
 */
final class Gpu {
    /**
     * A byte range of one memory block (block ids are unique per device; the staging buffer is -1).
     * Writes sharing a non-zero {@code tag} come from dispatches of one op that write disjoint
     * elements of one output (the parts of a Concat): they need no barrier between them.
     */
    record Range(long block, long start, long end, long tag) {
        Range(long block, long start, long end) {
            this(block, start, end, 0);
        }

        boolean overlaps(Range o) {
            return block == o.block && start < o.end && o.start < end;
        }

        boolean conflictsAsWrite(Range o) {
            return overlaps(o) && (tag == 0 || tag != o.tag);
        }
    }

    private static final int PUSH_BYTES = 128;
    private static final long STAGING_BYTES = 32L << 20;
    private static final int STATUS_SLOTS = 256;
    private static final long FENCE_TIMEOUT_NS = Long.getLong("nibble.vulkan.timeoutSeconds", 900) * 1_000_000_000L;

    final DeviceInfo info;
    final String name;
    private final VkDevice device;
    private final VkQueue queue;
    private final long commandPool;
    private final VkCommandBuffer cmd;
    private final long fence;
    private final long pipelineLayout;
    private final long pipelineCache;
    private final MemoryPool pool;
    private final HostBuffer staging;
    private final HostBuffer status;
    private final Map<String, Long> modules = new HashMap<>();
    private final Map<String, Long> pipelines = new HashMap<>();
    private final boolean validationFails;

    // the current batch
    private boolean recording;
    private long boundPipeline;
    private long stagingUsed;
    private int statusUsed;
    private final List<Dispatch.StatusCheck> statusChecks = new ArrayList<>();
    private final List<String> statusOps = new ArrayList<>();
    private final List<Range> sinceBarrierReads = new ArrayList<>();
    private final List<Range> sinceBarrierWrites = new ArrayList<>();
    private final List<Range> batchReads = new ArrayList<>();
    private final List<Range> batchWrites = new ArrayList<>();
    private final List<String> batchOps = new ArrayList<>();
    private final List<MemoryPool.Allocation> pendingFree = new ArrayList<>();
    private String currentOp = "";
    private boolean stagingOnly;
    private boolean lost;
    private int validationMark;

    // counters (tests and reports)
    private long submits;
    private long dispatches;
    private long barriers;
    private long pipelineNanos;

    /** A host-visible buffer mapped for the life of the device (staging, status words). */
    private record HostBuffer(long buffer, long memory, long mapped, long size, long address) {
    }

    Gpu(DeviceInfo info, String name, VkDevice device, int family, VkQueue queue, boolean validationFails) {
        this.info = info;
        this.name = name;
        this.device = device;
        this.queue = queue;
        this.validationFails = validationFails;
        this.validationMark = ValidationMessages.count();
        this.stagingOnly = VulkanConfig.stagingAlways();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            LongBuffer lp = stack.mallocLong(1);
            check(vkCreateCommandPool(device, VkCommandPoolCreateInfo.calloc(stack).sType$Default()
                    .flags(VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT).queueFamilyIndex(family), null, lp),
                    "vkCreateCommandPool");
            commandPool = lp.get(0);
            PointerBuffer pp = stack.mallocPointer(1);
            check(vkAllocateCommandBuffers(device, VkCommandBufferAllocateInfo.calloc(stack).sType$Default()
                    .commandPool(commandPool).level(VK_COMMAND_BUFFER_LEVEL_PRIMARY).commandBufferCount(1), pp),
                    "vkAllocateCommandBuffers");
            cmd = new VkCommandBuffer(pp.get(0), device);
            check(vkCreateFence(device, VkFenceCreateInfo.calloc(stack).sType$Default(), null, lp), "vkCreateFence");
            fence = lp.get(0);
            VkPushConstantRange.Buffer range = VkPushConstantRange.calloc(1, stack)
                    .stageFlags(VK_SHADER_STAGE_COMPUTE_BIT).offset(0).size(PUSH_BYTES);
            check(vkCreatePipelineLayout(device, VkPipelineLayoutCreateInfo.calloc(stack).sType$Default()
                    .pPushConstantRanges(range), null, lp), "vkCreatePipelineLayout");
            pipelineLayout = lp.get(0);
            check(vkCreatePipelineCache(device, VkPipelineCacheCreateInfo.calloc(stack).sType$Default(), null, lp),
                    "vkCreatePipelineCache");
            pipelineCache = lp.get(0);

            VkPhysicalDeviceMemoryProperties mp = VkPhysicalDeviceMemoryProperties.calloc(stack);
            vkGetPhysicalDeviceMemoryProperties(info.handle(), mp);
            int coherent = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
            boolean shared = info.kind() == dev.nibble.engine.spi.DeviceKind.CPU
                    || info.kind() == dev.nibble.engine.spi.DeviceKind.IGPU;
            int deviceType = -1;
            if (shared) {
                deviceType = findType(mp, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | coherent);
            }
            if (deviceType < 0) {
                deviceType = findType(mp, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
            }
            if (deviceType < 0) {
                deviceType = findType(mp, 0);
            }
            int flags = mp.memoryTypes(deviceType).propertyFlags();
            boolean mapped = (flags & coherent) == coherent;
            long heap = mp.memoryHeaps(mp.memoryTypes(deviceType).heapIndex()).size();
            int hostType = findType(mp, coherent | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
            if (hostType < 0) {
                hostType = findType(mp, coherent);
            }
            int usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT
                    | VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
            pool = new MemoryPool(device, name, deviceType, mapped, 64L << 20, info.maxMemoryAllocationSize(), heap,
                    usage, 1);
            staging = hostBuffer(hostType, STAGING_BYTES, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                    false, stack);
            status = hostBuffer(hostType, STATUS_SLOTS * 16L, usage, true, stack);
            MemoryUtil.memSet(status.mapped(), 0, status.size());
        }
    }

    /** Creates the logical device for {@code info}, with the features the shaders use. */
    static Gpu create(DeviceInfo info, String name, boolean validationFails) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkDeviceQueueCreateInfo.Buffer q = VkDeviceQueueCreateInfo.calloc(1, stack).sType$Default()
                    .queueFamilyIndex(info.computeQueueFamily()).pQueuePriorities(stack.floats(1f));
            VkPhysicalDeviceVulkan11Features f11 = VkPhysicalDeviceVulkan11Features.calloc(stack).sType$Default()
                    .storageBuffer16BitAccess(true);
            VkPhysicalDeviceVulkan12Features f12 = VkPhysicalDeviceVulkan12Features.calloc(stack).sType$Default()
                    .bufferDeviceAddress(true).storageBuffer8BitAccess(true)
                    .shaderInt8(info.int8()).shaderFloat16(info.float16());
            VkPhysicalDeviceFeatures2 f = VkPhysicalDeviceFeatures2.calloc(stack).sType$Default().pNext(f11).pNext(f12);
            f.features().shaderInt64(true).shaderInt16(info.int16()).shaderFloat64(info.float64());
            VkDeviceCreateInfo ci = VkDeviceCreateInfo.calloc(stack).sType$Default().pQueueCreateInfos(q).pNext(f.address());
            PointerBuffer pp = stack.mallocPointer(1);
            int r = vkCreateDevice(info.handle(), ci, null, pp);
            if (r != VK_SUCCESS) {
                throw new BackendException("vkCreateDevice failed on " + name + " with " + resultName(r));
            }
            VkDevice device = new VkDevice(pp.get(0), info.handle(), ci);
            vkGetDeviceQueue(device, info.computeQueueFamily(), 0, pp);
            VkQueue queue = new VkQueue(pp.get(0), device);
            return new Gpu(info, name, device, info.computeQueueFamily(), queue, validationFails);
        }
    }

    private static int findType(VkPhysicalDeviceMemoryProperties mp, int flags) {
        for (int i = 0; i < mp.memoryTypeCount(); i++) {
            if ((mp.memoryTypes(i).propertyFlags() & flags) == flags) {
                return i;
            }
        }
        return -1;
    }

    private HostBuffer hostBuffer(int type, long size, int usage, boolean deviceAddress, MemoryStack stack) {
        LongBuffer lp = stack.mallocLong(1);
        check(vkCreateBuffer(device, VkBufferCreateInfo.calloc(stack).sType$Default().size(size).usage(usage)
                .sharingMode(VK_SHARING_MODE_EXCLUSIVE), null, lp), "vkCreateBuffer");
        long buffer = lp.get(0);
        VkMemoryRequirements req = VkMemoryRequirements.calloc(stack);
        vkGetBufferMemoryRequirements(device, buffer, req);
        VkMemoryAllocateInfo mai = VkMemoryAllocateInfo.calloc(stack).sType$Default()
                .allocationSize(req.size()).memoryTypeIndex(type);
        if (deviceAddress) {
            mai.pNext(VkMemoryAllocateFlagsInfo.calloc(stack).sType$Default().flags(VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT).address());
        }
        check(vkAllocateMemory(device, mai, null, lp), "vkAllocateMemory (host-visible)");
        long memory = lp.get(0);
        check(vkBindBufferMemory(device, buffer, memory, 0), "vkBindBufferMemory");
        PointerBuffer pp = stack.mallocPointer(1);
        check(vkMapMemory(device, memory, 0, VK_WHOLE_SIZE, 0, pp), "vkMapMemory");
        long address = deviceAddress
                ? vkGetBufferDeviceAddress(device, VkBufferDeviceAddressInfo.calloc(stack).sType$Default().buffer(buffer)) : 0;
        return new HostBuffer(buffer, memory, pp.get(0), size, address);
    }

    // ---------------------------------------------------------------- memory

    synchronized GpuBuffer allocate(long bytes) {
        live();
        MemoryPool.Allocation a = pool.allocate(bytes);
        return new GpuBuffer(this, a.block(), a.offset(), bytes, true);
    }

    /** Memory that lives until the current batch has run (kernel scratch). */
    synchronized GpuBuffer scratch(long bytes) {
        MemoryPool.Allocation a = pool.allocate(bytes);
        pendingFree.add(a);
        return new GpuBuffer(this, a.block(), a.offset(), bytes, false);
    }

    synchronized void release(GpuBuffer b) {
        MemoryPool.Allocation a = new MemoryPool.Allocation(b.block, b.offset, MemoryPool.align(Math.max(1, b.size)));
        if (recording) {
            pendingFree.add(a); // recorded commands may still use it
        } else if (!lost) {
            pool.free(a);
        }
    }

    long inUse() {
        return pool.inUse();
    }

    long highWater() {
        return pool.highWater();
    }

    long free() {
        return Math.max(0, pool.heapSize() - pool.reserved());
    }

    // ---------------------------------------------------------------- transfers

    /** Test hook: route every host transfer through the staging buffer. */
    synchronized void setStagingOnly(boolean on) {
        stagingOnly = on;
    }

    private boolean direct(GpuBuffer b) {
        return !stagingOnly && b.block.mapped != 0;
    }

    private static boolean overlapsAny(Range r, List<Range> list) {
        for (Range o : list) {
            if (r.overlaps(o)) {
                return true;
            }
        }
        return false;
    }

    /** Copies {@code src} into the start of {@code dst}, in order with the work recorded so far. */
    synchronized void write(GpuBuffer dst, MemorySegment src) {
        live();
        long n = src.byteSize();
        if (n > dst.size) {
            throw new IllegalArgumentException("writing " + n + " bytes into a " + dst.size + "-byte buffer");
        }
        if (n == 0) {
            return;
        }
        if (direct(dst)) {
            Range r = dst.range(0, n);
            if (overlapsAny(r, batchReads) || overlapsAny(r, batchWrites)) {
                synchronize(); // recorded commands still need the old bytes
            }
            MemorySegment.copy(src, 0, mapped(dst.block.mapped + dst.offset, n), 0, n);
            return;
        }
        long done = 0;
        while (done < n) {
            long chunk = Math.min(n - done, STAGING_BYTES);
            long at = stagingAlloc(chunk);
            MemorySegment.copy(src, done, mapped(staging.mapped() + at, chunk), 0, chunk);
            recordCopy(staging.buffer(), at, new Range(-1, at, at + chunk), dst.block.buffer, dst.offset + done,
                    dst.range(done, chunk), chunk);
            done += chunk;
        }
    }

    /** Copies the start of {@code src} into {@code dst} (waits for the work that writes it). */
    synchronized void read(GpuBuffer src, MemorySegment dst) {
        live();
        long n = dst.byteSize();
        if (n > src.size) {
            throw new IllegalArgumentException("reading " + n + " bytes from a " + src.size + "-byte buffer");
        }
        if (n == 0) {
            return;
        }
        if (direct(src)) {
            if (overlapsAny(src.range(0, n), batchWrites)) {
                synchronize();
            }
            MemorySegment.copy(mapped(src.block.mapped + src.offset, n), 0, dst, 0, n);
            return;
        }
        long done = 0;
        while (done < n) {
            long chunk = Math.min(n - done, STAGING_BYTES);
            if (stagingUsed + MemoryPool.align(chunk) > STAGING_BYTES) {
                synchronize();
            }
            long at = stagingAlloc(chunk);
            recordCopy(src.block.buffer, src.offset + done, src.range(done, chunk), staging.buffer(), at,
                    new Range(-1, at, at + chunk), chunk);
            synchronize();
            MemorySegment.copy(mapped(staging.mapped() + at, chunk), 0, dst, done, chunk);
            done += chunk;
        }
    }

    private static MemorySegment mapped(long address, long bytes) {
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    private long stagingAlloc(long bytes) {
        long need = MemoryPool.align(bytes);
        if (stagingUsed + need > STAGING_BYTES) {
            synchronize();
        }
        long at = stagingUsed;
        stagingUsed += need;
        return at;
    }

    private void recordCopy(long srcBuffer, long srcOffset, Range read, long dstBuffer, long dstOffset, Range write,
                            long bytes) {
        begin();
        hazard(List.of(read), List.of(write));
        try (MemoryStack stack = MemoryStack.stackPush()) {
            vkCmdCopyBuffer(cmd, srcBuffer, dstBuffer, VkBufferCopy.calloc(1, stack)
                    .srcOffset(srcOffset).dstOffset(dstOffset).size(bytes));
        }
        batchOps.add("copy");
    }

    // ---------------------------------------------------------------- dispatches

    /** Names the op whose commands follow (for error messages). */
    synchronized void setCurrentOp(String op) {
        currentOp = op;
    }

    Dispatch dispatch(String shader, int... spec) {
        return new Dispatch(this, shader, spec, PUSH_BYTES);
    }

    synchronized int statusSlot() {
        if (statusUsed == STATUS_SLOTS) {
            synchronize();
        }
        return statusUsed++;
    }

    long statusAddress(int slot) {
        return status.address() + slot * 16L;
    }

    synchronized void record(Dispatch d, long gx, long gy, long gz) {
        live();
        if (gx > info.maxWorkGroupCountX() || gy > info.maxWorkGroupCountY() || gz > 65535 || gx < 1 || gy < 1 || gz < 1) {
            throw new KernelException(currentOp + ": grid " + gx + "×" + gy + "×" + gz + " exceeds the device's limits");
        }
        long pipeline = pipeline(d.shader, d.spec);
        begin();
        hazard(d.reads, d.writes);
        if (pipeline != boundPipeline) {
            vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
            boundPipeline = pipeline;
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            ByteBuffer pc = stack.calloc(PUSH_BYTES);
            pc.put(d.push.duplicate().flip()).rewind();
            vkCmdPushConstants(cmd, pipelineLayout, VK_SHADER_STAGE_COMPUTE_BIT, 0, pc);
        }
        vkCmdDispatch(cmd, (int) gx, (int) gy, (int) gz);
        if (d.statusSlot >= 0) {
            while (statusChecks.size() <= d.statusSlot) {
                statusChecks.add(null);
                statusOps.add(null);
            }
            statusChecks.set(d.statusSlot, d.statusCheck);
            statusOps.set(d.statusSlot, currentOp);
        }
        batchOps.add(currentOp);
        dispatches++;
    }

    private void begin() {
        if (recording) {
            return;
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            check(vkBeginCommandBuffer(cmd, VkCommandBufferBeginInfo.calloc(stack).sType$Default()
                    .flags(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT)), "vkBeginCommandBuffer");
        }
        recording = true;
        boundPipeline = 0;
    }

    /** A barrier before a command that reads what the batch wrote since the last one, or writes what it touched. */
    private void hazard(List<Range> reads, List<Range> writes) {
        if (conflicts(reads, writes)) {
            barrier(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                    VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT
                            | VK_ACCESS_TRANSFER_WRITE_BIT);
            sinceBarrierReads.clear();
            sinceBarrierWrites.clear();
        }
        sinceBarrierReads.addAll(reads);
        sinceBarrierWrites.addAll(writes);
        batchReads.addAll(reads);
        batchWrites.addAll(writes);
    }

    private boolean conflicts(List<Range> reads, List<Range> writes) {
        for (Range r : reads) {
            if (overlapsAny(r, sinceBarrierWrites)) {
                return true; // read after write
            }
        }
        for (Range w : writes) {
            if (overlapsAny(w, sinceBarrierReads)) {
                return true; // write after read
            }
            for (Range o : sinceBarrierWrites) {
                if (w.conflictsAsWrite(o)) {
                    return true; // write after write
                }
            }
        }
        return false;
    }

    private void barrier(int dstStage, int dstAccess) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkMemoryBarrier.Buffer mb = VkMemoryBarrier.calloc(1, stack).sType$Default()
                    .srcAccessMask(VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT)
                    .dstAccessMask(dstAccess);
            vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                    dstStage, 0, mb, null, null);
        }
        barriers++;
    }

    // ---------------------------------------------------------------- submit

    /** Submits the batch (if any), waits for it, then reports kernel errors and validation messages. */
    synchronized void synchronize() {
        if (lost) {
            throw new KernelException("Vulkan device " + name + " is lost; no more work can run on it");
        }
        List<String> ops = List.copyOf(batchOps);
        try {
            if (recording) {
                submitAndWait(ops);
            }
            checkStatus();
        } finally {
            resetBatch();
        }
        checkValidation(ops);
    }

    private void submitAndWait(List<String> ops) {
        barrier(VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
        check(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
        recording = false;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkSubmitInfo submit = VkSubmitInfo.calloc(stack).sType$Default().pCommandBuffers(stack.pointers(cmd));
            int r = vkQueueSubmit(queue, submit, fence);
            if (r != VK_SUCCESS) {
                throw batchError(r, "vkQueueSubmit", ops);
            }
            submits++;
            r = vkWaitForFences(device, stack.longs(fence), true, FENCE_TIMEOUT_NS);
            if (r == VK_TIMEOUT) {
                lost = true;
                throw new KernelException("Vulkan device " + name + ": a batch did not finish within "
                        + FENCE_TIMEOUT_NS / 1_000_000_000L + " s (nibble.vulkan.timeoutSeconds) while running "
                        + describe(ops));
            }
            if (r != VK_SUCCESS) {
                throw batchError(r, "vkWaitForFences", ops);
            }
            check(vkResetFences(device, fence), "vkResetFences");
            check(vkResetCommandBuffer(cmd, 0), "vkResetCommandBuffer");
        }
    }

    private RuntimeException batchError(int r, String call, List<String> ops) {
        if (r == VK_ERROR_DEVICE_LOST) {
            lost = true;
            return new KernelException("Vulkan device " + name + " was lost (VK_ERROR_DEVICE_LOST from " + call
                    + ") while running " + describe(ops));
        }
        if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) {
            return new DeviceOutOfMemoryException(name + " (" + resultName(r) + " from " + call + " while running "
                    + describe(ops) + ")", 0, free());
        }
        return new KernelException("Vulkan device " + name + ": " + call + " failed with " + resultName(r)
                + " while running " + describe(ops));
    }

    static String describe(List<String> ops) {
        List<String> distinct = ops.stream().filter(s -> !s.isEmpty()).distinct().toList();
        if (distinct.isEmpty()) {
            return "transfers only";
        }
        int show = Math.min(12, distinct.size());
        return "a batch of " + ops.size() + " command(s): " + String.join(", ", distinct.subList(0, show))
                + (distinct.size() > show ? ", ... (" + (distinct.size() - show) + " more)" : "");
    }

    private void checkStatus() {
        List<String> errors = new ArrayList<>();
        for (int s = 0; s < statusUsed; s++) {
            long at = status.mapped() + s * 16L;
            int flag = MemoryUtil.memGetInt(at);
            if (flag != 0 && s < statusChecks.size() && statusChecks.get(s) != null) {
                int[] words = {MemoryUtil.memGetInt(at + 4), MemoryUtil.memGetInt(at + 8), MemoryUtil.memGetInt(at + 12)};
                errors.add(statusOps.get(s) + ": " + statusChecks.get(s).message(words));
            }
            MemoryUtil.memSet(at, 0, 16);
        }
        if (!errors.isEmpty()) {
            throw new KernelException(String.join("; ", errors));
        }
    }

    private void checkValidation(List<String> ops) {
        if (!validationFails) {
            return;
        }
        int now = ValidationMessages.count();
        if (now > validationMark) {
            List<ValidationMessages.Message> msgs = ValidationMessages.since(validationMark);
            validationMark = now;
            throw new BackendException("Vulkan validation reported " + msgs.size() + " message(s) on " + name
                    + " around " + describe(ops) + ": " + msgs.get(0)
                    + (msgs.size() > 1 ? " (and " + (msgs.size() - 1) + " more)" : ""));
        }
    }

    private void resetBatch() {
        if (recording) { // an error while recording: drop the partial command buffer
            vkEndCommandBuffer(cmd);
            vkResetCommandBuffer(cmd, 0);
            recording = false;
        }
        stagingUsed = 0;
        statusUsed = 0;
        statusChecks.clear();
        statusOps.clear();
        sinceBarrierReads.clear();
        sinceBarrierWrites.clear();
        batchReads.clear();
        batchWrites.clear();
        batchOps.clear();
        if (!lost) {
            for (MemoryPool.Allocation a : pendingFree) {
                pool.free(a);
            }
        }
        pendingFree.clear();
    }

    private void live() {
        if (lost) {
            throw new KernelException("Vulkan device " + name + " is lost; no more work can run on it");
        }
    }

    long submits() {
        return submits;
    }

    long dispatches() {
        return dispatches;
    }

    long barriers() {
        return barriers;
    }

    /** Pipelines created so far, and the time spent creating them (driver shader compilation). */
    synchronized String pipelineStats() {
        long cacheBytes;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            cacheBytes = vkGetPipelineCacheData(device, pipelineCache, size, null) == VK_SUCCESS ? size.get(0) : -1;
        }
        return pipelines.size() + " pipelines, " + pipelineNanos / 1_000_000 + " ms to create, pipeline cache "
                + cacheBytes + " bytes";
    }

    // ---------------------------------------------------------------- pipelines

    private long pipeline(String shader, int[] spec) {
        String key = shader + Arrays.toString(spec);
        Long p = pipelines.get(key);
        if (p != null) {
            return p;
        }
        long module = module(shader);
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkSpecializationMapEntry.Buffer entries = VkSpecializationMapEntry.calloc(Math.max(1, spec.length), stack);
            ByteBuffer data = stack.malloc(Math.max(4, spec.length * 4));
            for (int i = 0; i < spec.length; i++) {
                entries.get(i).constantID(i).offset(i * 4).size(4);
                data.putInt(i * 4, spec[i]);
            }
            VkSpecializationInfo si = VkSpecializationInfo.calloc(stack).pMapEntries(spec.length == 0 ? null : entries)
                    .pData(spec.length == 0 ? null : data);
            VkComputePipelineCreateInfo.Buffer ci = VkComputePipelineCreateInfo.calloc(1, stack).sType$Default()
                    .layout(pipelineLayout);
            ci.stage().sType$Default().stage(VK_SHADER_STAGE_COMPUTE_BIT).module(module).pName(stack.UTF8("main"))
                    .pSpecializationInfo(si);
            LongBuffer lp = stack.mallocLong(1);
            long t0 = System.nanoTime();
            int r = vkCreateComputePipelines(device, pipelineCache, ci, null, lp);
            pipelineNanos += System.nanoTime() - t0;
            if (r != VK_SUCCESS) {
                throw new KernelException("Vulkan device " + name + ": creating the pipeline of shader " + shader
                        + " " + Arrays.toString(spec) + " for " + currentOp + " failed with " + resultName(r));
            }
            pipelines.put(key, lp.get(0));
            return lp.get(0);
        }
    }

    private long module(String shader) {
        Long m = modules.get(shader);
        if (m != null) {
            return m;
        }
        byte[] code;
        String path = "shaders/" + shader + ".spv";
        try (InputStream in = Gpu.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new KernelException("the SPIR-V of shader '" + shader + "' is missing from the jar ("
                        + Gpu.class.getPackageName().replace('.', '/') + "/" + path + "): the build compiles it with glslc");
            }
            code = in.readAllBytes();
        } catch (IOException e) {
            throw new KernelException("cannot read shader " + shader + ": " + e, e);
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            ByteBuffer bb = MemoryUtil.memAlloc(code.length);
            try {
                bb.put(code).flip();
                LongBuffer lp = stack.mallocLong(1);
                check(vkCreateShaderModule(device, VkShaderModuleCreateInfo.calloc(stack).sType$Default().pCode(bb), null, lp),
                        "vkCreateShaderModule(" + shader + ")");
                modules.put(shader, lp.get(0));
                return lp.get(0);
            } finally {
                MemoryUtil.memFree(bb);
            }
        }
    }

    // ---------------------------------------------------------------- errors

    private void check(int r, String what) {
        if (r == VK_SUCCESS) {
            return;
        }
        if (r == VK_ERROR_DEVICE_LOST) {
            lost = true;
            throw new KernelException("Vulkan device " + name + " was lost (VK_ERROR_DEVICE_LOST from " + what + ")"
                    + (currentOp.isEmpty() ? "" : " while running " + currentOp));
        }
        if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) {
            throw new DeviceOutOfMemoryException(name + " (" + resultName(r) + " from " + what
                    + (currentOp.isEmpty() ? "" : " while running " + currentOp) + ")", 0, free());
        }
        throw new BackendException("Vulkan device " + name + ": " + what + " failed with " + resultName(r));
    }

    static String resultName(int r) {
        return switch (r) {
            case VK_ERROR_OUT_OF_HOST_MEMORY -> "VK_ERROR_OUT_OF_HOST_MEMORY";
            case VK_ERROR_OUT_OF_DEVICE_MEMORY -> "VK_ERROR_OUT_OF_DEVICE_MEMORY";
            case VK_ERROR_INITIALIZATION_FAILED -> "VK_ERROR_INITIALIZATION_FAILED";
            case VK_ERROR_DEVICE_LOST -> "VK_ERROR_DEVICE_LOST";
            case VK_ERROR_MEMORY_MAP_FAILED -> "VK_ERROR_MEMORY_MAP_FAILED";
            case VK_ERROR_FEATURE_NOT_PRESENT -> "VK_ERROR_FEATURE_NOT_PRESENT";
            case VK_ERROR_EXTENSION_NOT_PRESENT -> "VK_ERROR_EXTENSION_NOT_PRESENT";
            case VK_ERROR_TOO_MANY_OBJECTS -> "VK_ERROR_TOO_MANY_OBJECTS";
            case VK_TIMEOUT -> "VK_TIMEOUT";
            default -> "VkResult " + r;
        };
    }
}
