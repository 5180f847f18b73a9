package dev.nibble.app.serve;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** The server's jobs by id; finished ones beyond {@code keep} are forgotten, oldest first. */
final class JobStore {
    private final int keep;
    private final Map<String, Job> jobs = new LinkedHashMap<>();

    JobStore(int keep) {
        this.keep = keep;
    }

    synchronized void add(Job job) {
        jobs.put(job.id(), job);
        trim();
    }

    synchronized void remove(Job job) {
        jobs.remove(job.id());
    }

    synchronized Job get(String id) {
        return jobs.get(id);
    }

    synchronized int size() {
        return jobs.size();
    }

    synchronized void trim() {
        Iterator<Job> it = jobs.values().iterator();
        while (jobs.size() > keep && it.hasNext()) {
            if (it.next().finished()) {
                it.remove();
            }
        }
    }
}
