package dev.awa.enqueue.conformance;

import dev.awa.enqueue.AwaEnqueue;
import dev.awa.enqueue.AwaEnqueueException;
import dev.awa.enqueue.Hex;
import dev.awa.enqueue.Job;
import dev.awa.enqueue.Json;
import dev.awa.enqueue.Partition;
import dev.awa.enqueue.Prepared;
import dev.awa.enqueue.UniqueOpts;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Conformance runner (shared/conformance.md): JSONL cases on stdin, one JSONL result per case on
 * stdout, in order, through the public API.
 */
public final class ConformanceMain {
    private final AwaEnqueue awa;

    public ConformanceMain(AwaEnqueue awa) {
        this.awa = awa;
    }

    public static void main(String[] args) throws IOException {
        try (AwaEnqueue awa = AwaEnqueue.create()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            new ConformanceMain(awa).run(in, out);
            out.flush();
        }
    }

    public void run(BufferedReader in, Writer out) throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            out.write(runLine(line));
            out.write('\n');
        }
    }

    /** One case line to one result line. */
    public String runLine(String line) {
        Object id = null;
        Map<String, Object> result = new LinkedHashMap<>();
        try {
            Object parsed;
            try {
                parsed = Json.parse(line);
            } catch (IllegalArgumentException e) {
                throw new InvalidCase("", "bad JSON: " + e.getMessage());
            }
            if (!(parsed instanceof Map<?, ?>)) throw new InvalidCase("", "a case is a JSON object");
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) parsed;
            id = c.get("id");
            result.put("id", id);
            result.put("ok", runCase(c));
        } catch (InvalidCase e) {
            result.put("id", id);
            result.put("error", error("invalid_case", e.field, e.getMessage()));
        } catch (AwaEnqueueException e) {
            result.put("id", id);
            result.put("error", error(e.code(), e.field(), e.getMessage()));
        }
        return Json.write(result);
    }

    private static Map<String, Object> error(String code, String field, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", code);
        m.put("field", field);
        m.put("message", message);
        return m;
    }

    private Object runCase(Map<String, Object> c) {
        String op = str(c, "op", "op", true);
        Map<String, Object> ok = new LinkedHashMap<>();
        switch (op) {
            case "prepare" -> {
                if (!(c.get("job") instanceof Map<?, ?>)) throw new InvalidCase("job", "job must be an object");
                @SuppressWarnings("unchecked")
                Map<String, Object> j = (Map<String, Object>) c.get("job");
                return prepared(awa.prepare(job(j)));
            }
            case "unique_key" -> {
                String kind = str(c, "kind", "kind", true);
                String queue = str(c, "queue", "queue", false);
                String args = str(c, "args_json", "args_json", false);
                Long bucket = i64(c, "period_bucket", "period_bucket");
                ok.put("unique_key_hex", Hex.encode(awa.uniqueKey(kind, queue, args, bucket)));
            }
            case "ordering" -> {
                byte[] key = hex(c, "key_hex", "key_hex", true);
                long shards = integer(c, "shards", "shards", Short.MIN_VALUE, Short.MAX_VALUE, true);
                ok.put("hash64", Long.toUnsignedString(awa.orderingKeyHash64(key)));
                ok.put("shard", awa.shardForOrderingKey(key, (int) shards));
            }
            case "partition" -> {
                String queue = str(c, "logical_queue", "logical_queue", true);
                long n = integer(c, "partitions", "partitions", 0, 0xffff_ffffL, true);
                byte[] key = hex(c, "key_hex", "key_hex", true);
                Partition p = awa.partitionForKey(queue, n, key);
                ok.put("index", p.index());
                ok.put("queue", p.queue());
            }
            case "unique_states" -> {
                int mask;
                boolean hasMask = c.containsKey("mask");
                Object states = c.get("states");
                if (hasMask && !c.containsKey("states")) {
                    mask = (int) integer(c, "mask", "mask", 0, 255, true);
                } else if (!hasMask && states instanceof List<?> l) {
                    if (!l.stream().allMatch(x -> x instanceof String)) {
                        throw new InvalidCase("states", "states must be strings");
                    }
                    @SuppressWarnings("unchecked")
                    List<String> names = (List<String>) l;
                    mask = awa.uniqueStatesMask(names);
                } else {
                    throw new InvalidCase("mask", "give either mask or states");
                }
                ok.put("bits", awa.uniqueStatesBits(mask));
                ok.put("mask", mask);
            }
            case "kind_from_type_name" -> ok.put("kind", awa.kindFromTypeName(str(c, "name", "name", true)));
            case "canonical_json" -> ok.put("json", awa.canonicalJson(str(c, "json", "json", true)));
            default -> throw new InvalidCase("op", "unknown op " + op);
        }
        return ok;
    }

    private static Map<String, Object> prepared(Prepared p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", p.kind());
        m.put("queue", p.queue());
        m.put("args_json", p.argsJson());
        m.put("state", p.state());
        m.put("priority", (int) p.priority());
        m.put("max_attempts", (int) p.maxAttempts());
        m.put("run_at", p.runAt());
        m.put("metadata_json", p.metadataJson());
        m.put("tags", p.tags());
        m.put("unique_key_hex", Hex.encode(p.uniqueKey()));
        m.put("unique_states", p.uniqueStates());
        m.put("ordering_key_hex", Hex.encode(p.orderingKey()));
        return m;
    }

    /**
     * The job of one {@code prepare} case line (the case format of testdata/ and bench/jobs.jsonl).
     * Throws IllegalArgumentException for any other line.
     */
    public static Job prepareCaseJob(String line) {
        Object c = Json.parse(line);
        if (!(c instanceof Map<?, ?> m) || !"prepare".equals(m.get("op")) || !(m.get("job") instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("not a prepare case: " + line);
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> j = (Map<String, Object>) m.get("job");
            return job(j);
        } catch (InvalidCase e) {
            throw new IllegalArgumentException("invalid case (" + e.field + "): " + e.getMessage());
        }
    }

    /** Field order of checks follows the reference runner (host-tests/src/cases.rs). */
    private static Job job(Map<String, Object> j) {
        List<String> tags = List.of();
        Object t = j.get("tags");
        if (t != null) {
            if (!(t instanceof List<?> l)) throw new InvalidCase("tags", "tags must be an array");
            if (!l.stream().allMatch(x -> x instanceof String)) throw new InvalidCase("tags", "tags must be strings");
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) l;
            tags = names;
        }
        UniqueOpts unique = null;
        Map<String, Object> u = obj(j, "unique", "unique", false);
        if (u != null) {
            Long byPeriod = i64(u, "by_period", "unique.by_period");
            UniqueOpts.Builder ub = UniqueOpts.builder();
            Boolean byQueue = bool(u, "by_queue", "unique.by_queue");
            if (byQueue != null) ub.byQueue(byQueue);
            Boolean byArgs = bool(u, "by_args", "unique.by_args");
            if (byArgs != null) ub.byArgs(byArgs);
            ub.byPeriod(byPeriod);
            Long states = optInteger(u, "states", "unique.states", 0, 255);
            if (states != null) ub.states(states.intValue());
            unique = ub.build();
        }
        Job.Builder b = Job.builder(str(j, "kind", "kind", true));
        b.argsJson(str(j, "args_json", "args_json", false));
        b.queue(str(j, "queue", "queue", false));
        Long priority = optInteger(j, "priority", "priority", Integer.MIN_VALUE, Integer.MAX_VALUE);
        b.priority(priority == null ? null : priority.intValue());
        Long maxAttempts = optInteger(j, "max_attempts", "max_attempts", Integer.MIN_VALUE, Integer.MAX_VALUE);
        b.maxAttempts(maxAttempts == null ? null : maxAttempts.intValue());
        b.runAt(str(j, "run_at", "run_at", false));
        b.metadataJson(str(j, "metadata_json", "metadata_json", false));
        b.tags(tags);
        b.unique(unique);
        b.orderingKey(hex(j, "ordering_key_hex", "ordering_key_hex", false));
        return b.build();
    }

    // ---- typed field access: a wrong type or range is an invalid case ------------------------

    private static final class InvalidCase extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String field;

        InvalidCase(String field, String message) {
            super(message);
            this.field = field;
        }
    }

    private static String str(Map<String, Object> m, String key, String path, boolean required) {
        Object v = m.get(key);
        if (v == null) {
            if (required) throw new InvalidCase(path, key + " is required");
            return null;
        }
        if (!(v instanceof String s)) throw new InvalidCase(path, key + " must be a string");
        return s;
    }

    private static Boolean bool(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        if (v == null) return null;
        if (!(v instanceof Boolean b)) throw new InvalidCase(path, key + " must be a boolean");
        return b;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(Map<String, Object> m, String key, String path, boolean required) {
        Object v = m.get(key);
        if (v == null) {
            if (required) throw new InvalidCase(path, key + " is required");
            return null;
        }
        if (!(v instanceof Map<?, ?>)) throw new InvalidCase(path, key + " must be an object");
        return (Map<String, Object>) v;
    }

    private static Long optInteger(Map<String, Object> m, String key, String path, long min, long max) {
        return m.get(key) == null ? null : integer(m, key, path, min, max, true);
    }

    private static long integer(Map<String, Object> m, String key, String path, long min, long max,
            boolean required) {
        Object v = m.get(key);
        if (v == null) throw new InvalidCase(path, key + " is required");
        if (!(v instanceof BigInteger n)) throw new InvalidCase(path, key + " must be an integer");
        if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new InvalidCase(path, key + " out of range " + min + ".." + max);
        }
        return n.longValue();
    }

    /** An i64 given as a decimal string, or null. */
    private static Long i64(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        if (v == null) return null;
        if (v instanceof String s) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new InvalidCase(path, key + " must be an i64 decimal string");
            }
        }
        throw new InvalidCase(path, key + " must be an i64 decimal string or null");
    }

    private static byte[] hex(Map<String, Object> m, String key, String path, boolean required) {
        String s = str(m, key, path, required);
        if (s == null) return null;
        try {
            return Hex.decode(s);
        } catch (IllegalArgumentException e) {
            throw new InvalidCase(path, key + " is not hex");
        }
    }
}
