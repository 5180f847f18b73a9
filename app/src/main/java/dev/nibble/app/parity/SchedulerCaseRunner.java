package dev.nibble.app.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.nibble.app.BadInputException;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.scheduler.EulerDiscreteScheduler;
import dev.nibble.models.common.scheduler.FlowMatchEulerDiscreteScheduler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scheduler cases: every recorded schedule (timesteps and sigmas, exact to 1 ulp) and the step
 * trace, which replays the recorded model outputs through Nibble's scheduler from the recorded
 * initial sample.
 */
final class SchedulerCaseRunner implements CaseRunner {
    private static final Pattern FLOW_KEY = Pattern.compile("seq(\\d+)\\.n(\\d+)");

    @Override
    public boolean handles(GoldenCase c) {
        return c.kind().equals("scheduler");
    }

    @Override
    public CaseResult run(GoldenCase c, ParityContext ctx) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        try (SafetensorsFile ref = c.outputs()) {
            switch (c.className()) {
                case "FlowMatchEulerDiscreteScheduler" -> flowMatch(c, ref, out, json);
                case "EulerDiscreteScheduler" -> euler(c, ref, out, json);
                default -> throw new BadInputException(c.name() + ": no scheduler for class " + c.className());
            }
            List<TensorCheck> checks = new ArrayList<>();
            for (var e : out.entrySet()) {
                if (!ref.contains(e.getKey())) {
                    continue;
                }
                boolean schedule = !e.getKey().startsWith("trace.") || e.getKey().endsWith(".timestep");
                checks.add(TensorCheck.compare(e.getKey(), "outputs", e.getValue(), ref.tensor(e.getKey()),
                        schedule ? TensorCheck.Tolerance.ulps(1) : new TensorCheck.Tolerance(1e-6, true, 1e-6, -1)));
            }
            return new CaseResult(out, json, checks);
        }
    }

    private static void flowMatch(GoldenCase c, SafetensorsFile ref, Map<String, Tensor> out, ObjectNode json) {
        FlowMatchEulerDiscreteScheduler s = FlowMatchEulerDiscreteScheduler.load(c.modelDir());
        ObjectNode schedules = json.putObject("schedules");
        var it = c.json().path("schedules").fieldNames();
        while (it.hasNext()) {
            String key = it.next();
            Matcher m = FLOW_KEY.matcher(key);
            if (!m.matches()) {
                continue;
            }
            s.setFluxTimesteps(Integer.parseInt(m.group(2)), Long.parseLong(m.group(1)));
            record(out, schedules, key, key, s.timesteps(), s.sigmas());
        }
        ObjectNode plain = json.putObject("plain_schedules");
        it = c.json().path("plain_schedules").fieldNames();
        while (it.hasNext()) {
            String n = it.next();
            JsonNode mu = c.json().path("plain_schedules").get(n).get("mu");
            s.setTimesteps(Integer.parseInt(n), mu == null || mu.isNull() ? null : mu.asDouble());
            record(out, plain, "plain.n" + n, n, s.timesteps(), s.sigmas());
        }
        // the trace: 4 steps at image_seq_len 16 with the recorded model outputs
        int steps = traceSteps(ref);
        s.setFluxTimesteps(steps, 16);
        float[] sample = ref.tensor("trace.initial_sample").toFloatArray();
        Shape shape = ref.tensor("trace.initial_sample").shape();
        out.put("trace.initial_sample", Tensor.ofFloats(shape, sample));
        for (int i = 0; i < steps; i++) {
            float[] modelOut = ref.tensor("trace.step" + i + ".model_output").toFloatArray();
            out.put("trace.step" + i + ".timestep", Tensor.ofFloats(Shape.of(1), s.timestep(i)));
            out.put("trace.step" + i + ".sample_in", Tensor.ofFloats(shape, sample));
            sample = s.step(modelOut, i, sample);
            out.put("trace.step" + i + ".prev_sample", Tensor.ofFloats(shape, sample));
        }
    }

    private static void euler(GoldenCase c, SafetensorsFile ref, Map<String, Tensor> out, ObjectNode json) {
        EulerDiscreteScheduler s = EulerDiscreteScheduler.load(c.modelDir());
        ObjectNode schedules = json.putObject("schedules");
        var it = c.json().path("schedules").fieldNames();
        while (it.hasNext()) {
            String n = it.next();
            s.setTimesteps(Integer.parseInt(n));
            record(out, schedules, "n" + n, n, s.timesteps(), s.sigmas());
            float[] factors = new float[s.numInferenceSteps()];
            for (int i = 0; i < factors.length; i++) {
                factors[i] = s.scaleModelInput(new float[]{1f}, i)[0];
            }
            out.put("n" + n + ".scale_model_input_factor", Tensor.ofFloats(Shape.of(factors.length), factors));
            ObjectNode entry = (ObjectNode) schedules.get(n);
            entry.put("init_noise_sigma", s.initNoiseSigma());
            var arr = entry.putArray("scale_model_input_factor");
            for (float f : factors) {
                arr.add(f);
            }
        }
        int steps = traceSteps(ref);
        s.setTimesteps(steps);
        float[] sample = ref.tensor("trace.initial_sample").toFloatArray();
        Shape shape = ref.tensor("trace.initial_sample").shape();
        out.put("trace.initial_sample", Tensor.ofFloats(shape, sample));
        for (int i = 0; i < steps; i++) {
            float[] modelOut = ref.tensor("trace.step" + i + ".model_output").toFloatArray();
            out.put("trace.step" + i + ".timestep", Tensor.ofFloats(Shape.of(1), s.timestep(i)));
            out.put("trace.step" + i + ".sample_in", Tensor.ofFloats(shape, sample));
            out.put("trace.step" + i + ".scaled_model_input", Tensor.ofFloats(shape, s.scaleModelInput(sample, i)));
            out.put("trace.step" + i + ".pred_original_sample",
                    Tensor.ofFloats(shape, s.predictOriginalSample(modelOut, i, sample)));
            sample = s.step(modelOut, i, sample);
            out.put("trace.step" + i + ".prev_sample", Tensor.ofFloats(shape, sample));
        }
    }

    private static int traceSteps(SafetensorsFile ref) {
        int n = 0;
        while (ref.contains("trace.step" + n + ".model_output")) {
            n++;
        }
        return n;
    }

    /** Tensors under {@code tensorKey}.*, JSON entry under {@code jsonKey} (the case's own keys). */
    private static void record(Map<String, Tensor> out, ObjectNode json, String tensorKey, String jsonKey,
                               float[] timesteps, float[] sigmas) {
        out.put(tensorKey + ".timesteps", Tensor.ofFloats(Shape.of(timesteps.length), timesteps));
        out.put(tensorKey + ".sigmas", Tensor.ofFloats(Shape.of(sigmas.length), sigmas));
        ObjectNode e = json.putObject(jsonKey);
        var t = e.putArray("timesteps");
        for (float v : timesteps) {
            t.add(v);
        }
        var sg = e.putArray("sigmas");
        for (float v : sigmas) {
            sg.add(v);
        }
    }
}
