package dev.nibble.backend.vulkan;

import dev.nibble.engine.spi.BackendException;
import dev.nibble.engine.spi.DeviceOutOfMemoryException;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VkBufferCreateInfo;
import org.lwjgl.vulkan.VkBufferDeviceAddressInfo;
import org.lwjgl.vulkan.VkDevice;
import org.lwjgl.vulkan.VkMemoryAllocateFlagsInfo;
import org.lwjgl.vulkan.VkMemoryAllocateInfo;
import org.lwjgl.vulkan.VkMemoryRequirements;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.lwjgl.vulkan.VK10.*;
import static org.lwjgl.vulkan.VK12.*;

/**
 * Device memory in large blocks, each one VkDeviceMemory with one VkBuffer over all of it (usable as
 * storage, copy source and destination, and by device address), sub-allocated first-fit with
 * coalescing free lists. Requests above half a block get a dedicated block of their own. A request
 * larger than one Vulkan allocation may be ({@code maxMemoryAllocationSize}) fails clearly: a tensor
 * is never split across allocations, since kernels address it as one contiguous range.
 */
final class MemoryPool {
    static final long ALIGN = 256;

    final class Block {
        final long id;
        final long buffer;
        final long memory;
        final long address;
        final long size;
        final long mapped; // host pointer when the memory is host-visible and coherent, else 0
        final boolean dedicated;
        final TreeMap<Long, Long> free = new TreeMap<>(); // offset -> size
        long used;

        Block(long id, long buffer, long memory, long address, long size, long mapped, boolean dedicated) {
            this.id = id;
            this.buffer = buffer;
            this.memory = memory;
            this.address = address;
            this.size = size;
            this.mapped = mapped;
            this.dedicated = dedicated;
            free.put(0L, size);
        }
    }

    private final VkDevice device;
    private final String deviceName;
    private final int memoryType;
    private final boolean hostMapped;
    private final long blockSize;
    private final long maxAllocation;
    private final long heapSize;
    private final int usage;
    private final List<Block> blocks = new ArrayList<>();
    private long nextId;
    private long inUse;
    private long highWater;
    private long reserved;

    MemoryPool(VkDevice device, String deviceName, int memoryType, boolean hostMapped, long blockSize,
               long maxAllocation, long heapSize, int usage, long firstId) {
        this.device = device;
        this.deviceName = deviceName;
        this.memoryType = memoryType;
        this.hostMapped = hostMapped;
        this.blockSize = Math.min(blockSize, maxAllocation);
        this.maxAllocation = maxAllocation;
        this.heapSize = heapSize;
        this.usage = usage;
        this.nextId = firstId;
    }

    record Allocation(Block block, long offset, long size) {
    }

    boolean hostMapped() {
        return hostMapped;
    }

    long inUse() {
        return inUse;
    }

    long highWater() {
        return highWater;
    }

    long reserved() {
        return reserved;
    }

    long heapSize() {
        return heapSize;
    }

    Allocation allocate(long bytes) {
        long need = Math.max(ALIGN, align(bytes));
        if (need > maxAllocation) {
            throw new BackendException("device " + deviceName + " cannot hold a " + bytes + "-byte tensor: one Vulkan"
                    + " allocation is at most " + maxAllocation + " bytes (maxMemoryAllocationSize) and the Vulkan"
                    + " backend does not split a tensor across allocations");
        }
        if (need <= blockSize / 2) {
            for (Block b : blocks) {
                if (!b.dedicated) {
                    long off = take(b, need);
                    if (off >= 0) {
                        return granted(b, off, need);
                    }
                }
            }
            Block b = newBlock(blockSize, false, bytes);
            return granted(b, take(b, need), need);
        }
        Block b = newBlock(need, true, bytes);
        return granted(b, take(b, need), need);
    }

    private Allocation granted(Block b, long off, long need) {
        b.used += need;
        inUse += need;
        highWater = Math.max(highWater, inUse);
        return new Allocation(b, off, need);
    }

    void free(Allocation a) {
        Block b = a.block();
        b.used -= a.size();
        inUse -= a.size();
        long off = a.offset();
        long size = a.size();
        Map.Entry<Long, Long> before = b.free.floorEntry(off);
        if (before != null && before.getKey() + before.getValue() == off) {
            off = before.getKey();
            size += before.getValue();
            b.free.remove(before.getKey());
        }
        Long after = b.free.containsKey(off + size) ? off + size : null;
        if (after != null) {
            size += b.free.remove(after);
        }
        b.free.put(off, size);
        if (b.used == 0) {
            long emptyShared = blocks.stream().filter(x -> !x.dedicated && x.used == 0).count();
            if (b.dedicated || emptyShared > 1) {
                destroy(b);
                blocks.remove(b);
            }
        }
    }

    private static long take(Block b, long need) {
        for (Map.Entry<Long, Long> e : b.free.entrySet()) {
            if (e.getValue() >= need) {
                long off = e.getKey();
                long rest = e.getValue() - need;
                b.free.remove(off);
                if (rest > 0) {
                    b.free.put(off + need, rest);
                }
                return off;
            }
        }
        return -1;
    }

    private Block newBlock(long size, boolean dedicated, long requested) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkBufferCreateInfo bci = VkBufferCreateInfo.calloc(stack).sType$Default()
                    .size(size).usage(usage).sharingMode(VK_SHARING_MODE_EXCLUSIVE);
            java.nio.LongBuffer lp = stack.mallocLong(1);
            int r = vkCreateBuffer(device, bci, null, lp);
            if (r != VK_SUCCESS) {
                throw oom(r, requested, "vkCreateBuffer");
            }
            long buffer = lp.get(0);
            VkMemoryRequirements req = VkMemoryRequirements.calloc(stack);
            vkGetBufferMemoryRequirements(device, buffer, req);
            if ((req.memoryTypeBits() & (1 << memoryType)) == 0) {
                vkDestroyBuffer(device, buffer, null);
                throw new BackendException("device " + deviceName + ": memory type " + memoryType + " cannot back a buffer");
            }
            VkMemoryAllocateFlagsInfo flags = VkMemoryAllocateFlagsInfo.calloc(stack).sType$Default()
                    .flags(VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT);
            VkMemoryAllocateInfo mai = VkMemoryAllocateInfo.calloc(stack).sType$Default()
                    .allocationSize(req.size()).memoryTypeIndex(memoryType).pNext(flags.address());
            r = vkAllocateMemory(device, mai, null, lp);
            if (r != VK_SUCCESS) {
                vkDestroyBuffer(device, buffer, null);
                throw oom(r, requested, "vkAllocateMemory of " + req.size() + " bytes");
            }
            long memory = lp.get(0);
            r = vkBindBufferMemory(device, buffer, memory, 0);
            if (r != VK_SUCCESS) {
                vkDestroyBuffer(device, buffer, null);
                vkFreeMemory(device, memory, null);
                throw new BackendException("device " + deviceName + ": vkBindBufferMemory failed with " + r);
            }
            long address = vkGetBufferDeviceAddress(device, VkBufferDeviceAddressInfo.calloc(stack).sType$Default().buffer(buffer));
            long mapped = 0;
            if (hostMapped) {
                org.lwjgl.PointerBuffer pp = stack.mallocPointer(1);
                r = vkMapMemory(device, memory, 0, VK_WHOLE_SIZE, 0, pp);
                if (r != VK_SUCCESS) {
                    vkDestroyBuffer(device, buffer, null);
                    vkFreeMemory(device, memory, null);
                    throw oom(r, requested, "vkMapMemory");
                }
                mapped = pp.get(0);
            }
            Block b = new Block(nextId++, buffer, memory, address, size, mapped, dedicated);
            blocks.add(b);
            reserved += size;
            return b;
        }
    }

    private RuntimeException oom(int r, long requested, String what) {
        if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) {
            return new DeviceOutOfMemoryException(deviceName + " (" + what + ")", requested,
                    Math.max(0, heapSize - reserved));
        }
        return new BackendException("device " + deviceName + ": " + what + " failed with " + Gpu.resultName(r));
    }

    private void destroy(Block b) {
        if (b.mapped != 0) {
            vkUnmapMemory(device, b.memory);
        }
        vkDestroyBuffer(device, b.buffer, null);
        vkFreeMemory(device, b.memory, null);
        reserved -= b.size;
    }

    void destroyAll() {
        for (Block b : blocks) {
            destroy(b);
        }
        blocks.clear();
    }

    static long align(long v) {
        return (v + ALIGN - 1) / ALIGN * ALIGN;
    }
}
