package dev.nibble.backend.opencl;

import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The OpenCL backend (JOCL). Devices are ranked GPU over CPU; {@code NIBBLE_OPENCL_DEVICE} (an index
 * into `nibble backends`' list or part of a device name) picks one.
 */
public final class OpenClBackend implements Backend {
    public static final String NAME = "opencl";
    private volatile OpenClProbe.Found found;
    private volatile List<Device> devices;

    private OpenClProbe.Found found() {
        if (found == null) {
            synchronized (this) {
                if (found == null) {
                    found = OpenClProbe.run();
                }
            }
        }
        return found;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability probe() {
        return found().availability();
    }

    @Override
    public synchronized List<Device> devices() {
        if (devices == null) {
            List<Device> out = new ArrayList<>();
            for (OpenClDeviceInfo info : found().devices()) {
                out.add(new OpenClDevice(info, out.size()));
            }
            devices = pick(out, System.getenv("NIBBLE_OPENCL_DEVICE"));
        }
        return devices;
    }

    /** Moves the device chosen by {@code choice} (index or name fragment) to the front. */
    static List<Device> pick(List<Device> all, String choice) {
        if (choice == null || choice.isBlank() || all.isEmpty()) {
            return List.copyOf(all);
        }
        Device chosen = null;
        try {
            int i = Integer.parseInt(choice.trim());
            if (i >= 0 && i < all.size()) {
                chosen = all.get(i);
            }
        } catch (NumberFormatException e) {
            for (Device d : all) {
                if (d.name().toLowerCase(Locale.ROOT).contains(choice.toLowerCase(Locale.ROOT))) {
                    chosen = d;
                    break;
                }
            }
        }
        if (chosen == null) {
            throw new IllegalArgumentException("NIBBLE_OPENCL_DEVICE='" + choice + "' matches no OpenCL device; devices: "
                    + all.stream().map(Device::name).toList());
        }
        List<Device> out = new ArrayList<>(all);
        out.remove(chosen);
        out.add(0, chosen);
        return List.copyOf(out);
    }

    @Override
    public int score() {
        List<OpenClDeviceInfo> d = found().devices();
        if (d.isEmpty()) {
            return 0;
        }
        DeviceKind k = d.get(0).kind();
        return k == DeviceKind.GPU ? 80 : k == DeviceKind.IGPU ? 50 : 5;
    }
}
