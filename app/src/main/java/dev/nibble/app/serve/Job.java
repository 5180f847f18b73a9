package dev.nibble.app.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One POST /api/generate: one image, or two for a 16-bit vs 4-bit comparison ({@link #parts()}). Everything that
 * happens to it is an {@link Event} kept in order, so a client that subscribes late (or reconnects with
 * Last-Event-ID) sees the whole story: start, part-start, progress per step, warning, part, then result or failed.
 */
final class Job {
    enum State { QUEUED, RUNNING, DONE, FAILED }

    /** One server-sent event: its sequence number (the SSE id), name and JSON data. */
    record Event(long seq, String name, String data) {}

    /** Receives events; returns false when it is gone (it is then dropped). */
    interface Subscriber {
        boolean send(Event e);

        /** Called once after the final event (result or error) has been sent. */
        void finished();
    }

    /** What one part of a job produced: its JSON description and the PNG. */
    record PartResult(ObjectNode json, byte[] png) {}

    private final String id;
    private final String queue;
    private final List<JobSpec.Part> parts;
    private final ObjectNode request;
    private final long createdMillis = System.currentTimeMillis();
    private final long createdNanos = System.nanoTime();
    private final List<Event> events = new ArrayList<>();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final List<PartResult> results = new ArrayList<>();
    private State state = State.QUEUED;
    private ObjectNode error;
    private long startedNanos;
    private long finishedNanos;

    Job(String id, String queue, List<JobSpec.Part> parts, ObjectNode request) {
        this.id = id;
        this.queue = queue;
        this.parts = List.copyOf(parts);
        this.request = request;
    }

    String id() {
        return id;
    }

    String queue() {
        return queue;
    }

    List<JobSpec.Part> parts() {
        return parts;
    }

    synchronized State state() {
        return state;
    }

    synchronized boolean finished() {
        return state == State.DONE || state == State.FAILED;
    }

    /** The PNG of part {@code i}, or null when it is not there (yet). */
    synchronized byte[] png(int i) {
        return i >= 0 && i < results.size() ? results.get(i).png() : null;
    }

    synchronized void started() {
        state = State.RUNNING;
        startedNanos = System.nanoTime();
        ObjectNode o = Json.object();
        o.put("queued_ms", Json.ms(startedNanos - createdNanos));
        emit("start", o);
    }

    synchronized void partStarted(int index) {
        JobSpec.Part p = parts.get(index);
        ObjectNode o = Json.object();
        o.put("part", index);
        o.put("parts", parts.size());
        o.put("label", p.label());
        o.put("model", p.modelId());
        o.put("precision", p.request().precision());
        emit("part-start", o);
    }

    synchronized void progress(int part, int step, int total, long nanos) {
        ObjectNode o = Json.object();
        o.put("part", part);
        o.put("parts", parts.size());
        o.put("step", step + 1);
        o.put("total", total);
        o.put("step_ms", Json.ms(nanos));
        emit("progress", o);
    }

    synchronized void warning(int part, String message) {
        ObjectNode o = Json.object();
        o.put("part", part);
        o.put("message", message);
        emit("warning", o);
    }

    synchronized void partDone(ObjectNode json, byte[] png) {
        int index = results.size();
        json.put("part", index);
        json.put("image_url", imageUrl(index));
        results.add(new PartResult(json, png));
        emit("part", json);
    }

    synchronized void done() {
        state = State.DONE;
        finishedNanos = System.nanoTime();
        emit("result", toJson());
        close();
    }

    synchronized void failed(int status, String code, String message) {
        state = State.FAILED;
        finishedNanos = System.nanoTime();
        error = Json.error(status, code, message);
        ObjectNode o = toJson();
        emit("failed", o);
        close();
    }

    String imageUrl(int index) {
        return "/api/jobs/" + id + "/image.png" + (index == 0 ? "" : "?part=" + index);
    }

    /** The job as GET /api/jobs/{id} shows it. */
    synchronized ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
        o.put("queue", queue);
        o.put("created", createdMillis);
        o.put("compare", parts.size() > 1);
        o.set("request", request.deepCopy());
        if (startedNanos != 0) {
            o.put("queued_ms", Json.ms(startedNanos - createdNanos));
        }
        if (finishedNanos != 0) {
            o.put("elapsed_ms", Json.ms(finishedNanos - createdNanos));
        }
        ArrayNode rs = o.putArray("results");
        for (PartResult r : results) {
            rs.add(r.json().deepCopy());
        }
        if (error != null) {
            o.set("error", error.deepCopy());
        }
        o.put("events_url", "/api/jobs/" + id + "/events");
        if (!results.isEmpty()) {
            o.put("image_url", imageUrl(0));
        }
        return o;
    }

    /** Sends every event after {@code lastSeen} to the subscriber, then keeps it informed (unless finished). */
    synchronized void subscribe(Subscriber s, long lastSeen) {
        for (Event e : events) {
            if (e.seq() > lastSeen && !s.send(e)) {
                return;
            }
        }
        if (finished()) {
            s.finished();
        } else {
            subscribers.add(s);
        }
    }

    synchronized void unsubscribe(Subscriber s) {
        subscribers.remove(s);
    }

    private void emit(String name, ObjectNode data) {
        data.put("job", id);
        Event e = new Event(events.size() + 1, name, Json.write(data));
        events.add(e);
        for (Subscriber s : subscribers) {
            if (!s.send(e)) {
                subscribers.remove(s);
            }
        }
    }

    private void close() {
        for (Subscriber s : subscribers) {
            s.finished();
        }
        subscribers.clear();
    }
}
