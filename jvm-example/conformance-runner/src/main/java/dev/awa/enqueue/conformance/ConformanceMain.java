package dev.awa.enqueue.conformance;

import dev.awa.enqueue.AwaEnqueue;
import dev.awa.enqueue.AwaEnqueueException;
import dev.awa.enqueue.Hex;
import dev.awa.enqueue.InsertResult;
import dev.awa.enqueue.Job;
import dev.awa.enqueue.JobRow;
import dev.awa.enqueue.Json;
import dev.awa.enqueue.Partition;
import dev.awa.enqueue.PostgresUrl;
import dev.awa.enqueue.Prepared;
import dev.awa.enqueue.UniqueOpts;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Conformance runner (docs/conformance.md): case lines on stdin, one result line per case on
 * stdout, in order, through the library's public API. Invalid case lines are reported as the
 * reference runner does (host-tests/src/cases.rs): the same checks, in the same order, with the
 * same {@code invalid_case} fields.
 *
 * <p>{@code --enqueue} (with {@code DATABASE_URL}, a libpq-style URL): every {@code prepare} case
 * goes through {@link AwaEnqueue#tryEnqueue} and every {@code prepare_many} case through
 * {@link AwaEnqueue#enqueueMany}, each in its own transaction, which is committed; database
 * errors are {@code db_error} lines with the SQLSTATE.
 */
public final class ConformanceMain {
    private final AwaEnqueue awa;
    private final Connection conn;

    /** A runner that derives only. */
    public ConformanceMain(AwaEnqueue awa) {
        this(awa, null);
    }

    /** A runner that enqueues {@code prepare} cases on {@code conn} (auto-commit is turned off). */
    public ConformanceMain(AwaEnqueue awa, Connection conn) {
        this.awa = awa;
        this.conn = conn;
    }

    public static void main(String[] args) throws Exception {
        boolean enqueue = Arrays.asList(args).contains("--enqueue");
        Connection conn = null;
        if (enqueue) {
            String url = System.getenv("DATABASE_URL");
            if (url == null || url.isEmpty()) {
                System.err.println("conformance: --enqueue needs DATABASE_URL");
                System.exit(2);
            }
            conn = PostgresUrl.connect(url);
            conn.setAutoCommit(false);
        }
        try (AwaEnqueue awa = AwaEnqueue.create()) {
            Reader in = new InputStreamReader(System.in, StandardCharsets.UTF_8);
            Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
            new ConformanceMain(awa, conn).run(in, out);
            out.flush();
        } finally {
            if (conn != null) conn.close();
        }
    }

    /** Runs every line of {@code in}; lines end at {@code \n} (a {@code \r} before it is dropped). */
    public void run(Reader in, Writer out) throws IOException {
        char[] buf = new char[1 << 16];
        StringBuilder line = new StringBuilder();
        int n;
        while ((n = in.read(buf)) > 0) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] != '\n') continue;
                line.append(buf, start, i - start);
                if (line.length() > 0 && line.charAt(line.length() - 1) == '\r') line.setLength(line.length() - 1);
                emit(line.toString(), out);
                line.setLength(0);
                start = i + 1;
            }
            line.append(buf, start, n - start);
        }
        if (line.length() > 0) emit(line.toString(), out);
    }

    private void emit(String line, Writer out) throws IOException {
        if (blank(line)) return;
        out.write(runLine(line));
        out.write('\n');
    }

    /** Blank as Rust's {@code str::trim} sees it: only Unicode White_Space. */
    static boolean blank(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean white = (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                    || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                    || c == 0x3000;
            if (!white) return false;
        }
        return true;
    }

    /** One case line to one result line. */
    public String runLine(String line) {
        Object parsed;
        try {
            parsed = Json.parse(line);
        } catch (IllegalArgumentException e) {
            return errorLine(null, "invalid_case", "", "not JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?>)) return errorLine(null, "invalid_case", "", "a case must be a JSON object");
        @SuppressWarnings("unchecked")
        Map<String, Object> c = (Map<String, Object>) parsed;
        Object id = c.get("id");
        try {
            if (conn != null && "prepare".equals(c.get("op"))) return enqueue(id, job(c.get("job")));
            if (conn != null && "prepare_many".equals(c.get("op"))) return enqueueMany(id, jobs(c.get("jobs")));
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("id", id);
            result.put("ok", runCase(c));
            return Json.write(result);
        } catch (InvalidCase e) {
            return errorLine(id, "invalid_case", e.field, e.getMessage());
        } catch (AwaEnqueueException e) {
            return errorLine(id, e.code(), e.contractField(), e.getMessage());
        } catch (RuntimeException e) {
            return errorLine(id, "host_error", "", e.toString());
        }
    }

    private static String errorLine(Object id, String code, String field, String message) {
        return errorLine(id, code, field, null, message);
    }

    /** A result line with an error; {@code sqlstate} (db_error only) is left out when null. */
    private static String errorLine(Object id, String code, String field, String sqlstate, String message) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("code", code);
        err.put("field", field);
        if (sqlstate != null) err.put("sqlstate", sqlstate);
        err.put("message", message);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("error", err);
        return Json.write(m);
    }

    /** A prepare case in --enqueue mode: tryEnqueue in its own transaction, committed. */
    private String enqueue(Object id, Job job) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        try {
            InsertResult r = awa.tryEnqueue(conn, job);
            conn.commit();
            if (r.duplicate()) {
                m.put("duplicate", true);
                if (r.existing() != null) m.put("existing_job_id", Long.toString(r.existing().id()));
            } else {
                m.put("ok", Map.of("job_id", Long.toString(r.row().id())));
            }
            return Json.write(m);
        } catch (AwaEnqueueException e) {
            rollback();
            return errorLine(id, e.code(), e.contractField(), e.getMessage());
        } catch (SQLException e) {
            rollback();
            return dbErrorLine(id, e);
        } catch (RuntimeException e) {
            rollback();
            return errorLine(id, "host_error", "", e.toString());
        }
    }

    /** prepare_many's jobs; an invalid job names its field as {@code jobs[i]....}. */
    private List<Job> jobs(Object value) {
        if (!(value instanceof List<?> items)) throw new InvalidCase("jobs", "jobs must be an array of jobs");
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            try {
                jobs.add(job(items.get(i)));
            } catch (InvalidCase e) {
                String field = e.field.isEmpty() ? "jobs[" + i + "]" : "jobs[" + i + "]." + e.field;
                throw new InvalidCase(field, e.getMessage());
            }
        }
        return jobs;
    }

    /** A prepare_many case in --enqueue mode: enqueueMany in its own transaction, committed. */
    private String enqueueMany(Object id, List<Job> jobs) {
        try {
            List<String> ids = new ArrayList<>();
            for (JobRow row : awa.enqueueMany(conn, jobs)) ids.add(Long.toString(row.id()));
            conn.commit();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("ok", Map.of("job_ids", ids));
            return Json.write(m);
        } catch (AwaEnqueueException e) {
            rollback();
            return errorLine(id, e.code(), e.contractField(), e.getMessage());
        } catch (SQLException e) {
            rollback();
            return dbErrorLine(id, e);
        } catch (RuntimeException e) {
            rollback();
            return errorLine(id, "host_error", "", e.toString());
        }
    }

    private static String dbErrorLine(Object id, SQLException e) {
        return errorLine(id, "db_error", "", e.getSQLState() == null ? "" : e.getSQLState(), e.getMessage());
    }

    private void rollback() {
        try {
            conn.rollback();
        } catch (SQLException ignored) {
            // the connection is gone; the next case reports it
        }
    }

    private Object runCase(Map<String, Object> c) {
        String op = reqStr(c, "op", "op");
        Map<String, Object> ok = new LinkedHashMap<>();
        switch (op) {
            case "prepare" -> {
                return prepared(awa.prepare(job(c.get("job"))));
            }
            case "prepare_many" -> {
                List<Object> out = new ArrayList<>();
                for (Prepared p : awa.prepareMany(jobs(c.get("jobs")))) out.add(prepared(p));
                ok.put("jobs", out);
            }
            case "unique_key" -> {
                String kind = reqStr(c, "kind", "kind");
                String queue = optStr(c, "queue", "queue");
                String args = optStr(c, "args_json", "args_json");
                Long bucket = i64(c, "period_bucket", "period_bucket");
                ok.put("unique_key_hex", Hex.encode(awa.uniqueKey(kind, queue, args, bucket)));
            }
            case "ordering" -> {
                byte[] key = hex(c, "key_hex", "key_hex");
                if (key == null) throw new InvalidCase("key_hex", "key_hex is required");
                long shards = reqInt(c, "shards", "shards", Short.MIN_VALUE, Short.MAX_VALUE);
                ok.put("hash64", Long.toUnsignedString(awa.orderingKeyHash64(key)));
                ok.put("shard", awa.shardForOrderingKey(key, (int) shards));
            }
            case "kind_from_type_name" -> ok.put("kind", awa.kindFromTypeName(reqStr(c, "name", "name")));
            case "canonical_json" -> ok.put("json", awa.canonicalJson(reqStr(c, "json", "json")));
            case "partition" -> {
                String queue = reqStr(c, "logical_queue", "logical_queue");
                long n = reqInt(c, "partitions", "partitions", 0, 0xffff_ffffL);
                byte[] key = hex(c, "key_hex", "key_hex");
                if (key == null) throw new InvalidCase("key_hex", "key_hex is required");
                Partition p = awa.partitionForKey(queue, n, key);
                ok.put("index", p.index());
                ok.put("queue", p.queue());
            }
            case "unique_states" -> {
                int mask;
                boolean hasMask = c.containsKey("mask"), hasStates = c.containsKey("states");
                if (hasMask && !hasStates) {
                    mask = (int) reqInt(c, "mask", "mask", 0, 255);
                } else if (!hasMask && c.get("states") instanceof List<?> items) {
                    mask = awa.uniqueStatesMask(strings(items, "states"));
                } else {
                    throw new InvalidCase("mask", "give either mask or states");
                }
                ok.put("bits", awa.uniqueStatesBits(mask));
                ok.put("mask", mask);
            }
            default -> throw new InvalidCase("op", "unknown op \"" + op + "\"");
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
        if (!(c instanceof Map<?, ?> m) || !"prepare".equals(m.get("op"))) {
            throw new IllegalArgumentException("not a prepare case: " + line);
        }
        try {
            return job(m.get("job"));
        } catch (InvalidCase e) {
            throw new IllegalArgumentException("invalid case (" + e.field + "): " + e.getMessage());
        }
    }

    /** A job object; the checks and their order follow parse_job in host-tests/src/cases.rs. */
    private static Job job(Object v) {
        if (!(v instanceof Map<?, ?>)) throw new InvalidCase("job", "job must be an object");
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) v;
        List<String> tags = List.of();
        Object t = j.get("tags");
        if (t != null) {
            if (!(t instanceof List<?> items)) throw new InvalidCase("tags", "tags must be an array");
            tags = strings(items, "tags");
        }
        UniqueOpts unique = null;
        Object uv = j.get("unique");
        if (uv != null) {
            if (!(uv instanceof Map<?, ?>)) throw new InvalidCase("unique", "unique must be an object or null");
            @SuppressWarnings("unchecked")
            Map<String, Object> u = (Map<String, Object>) uv;
            UniqueOpts.Builder ub = UniqueOpts.builder();
            ub.byPeriod(i64(u, "by_period", "unique.by_period"));
            if (u.get("states") instanceof List<?> names) {
                ub.stateNames(strings(names, "unique.states"));
            } else {
                Long mask = optInt(u, "states", "unique.states", 0, 255);
                ub.states(mask == null ? null : mask.intValue());
            }
            ub.byQueue(bool(u, "by_queue", "unique.by_queue"));
            ub.byArgs(bool(u, "by_args", "unique.by_args"));
            unique = ub.build();
        }
        Job.Builder b = Job.builder(reqStr(j, "kind", "kind"));
        b.argsJson(optStr(j, "args_json", "args_json"));
        b.queue(optStr(j, "queue", "queue"));
        b.priority(optInt(j, "priority", "priority", Long.MIN_VALUE, Long.MAX_VALUE));
        b.maxAttempts(optInt(j, "max_attempts", "max_attempts", Long.MIN_VALUE, Long.MAX_VALUE));
        b.runAt(optStr(j, "run_at", "run_at"));
        b.metadataJson(optStr(j, "metadata_json", "metadata_json"));
        b.tags(tags);
        b.unique(unique);
        b.orderingKey(hex(j, "ordering_key_hex", "ordering_key_hex"));
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

    private static String optStr(Map<String, Object> m, String key, String field) {
        Object v = m.get(key);
        if (v == null) return null;
        if (!(v instanceof String s)) throw new InvalidCase(field, field + " must be a string or null");
        return s;
    }

    private static String reqStr(Map<String, Object> m, String key, String field) {
        String s = optStr(m, key, field);
        if (s == null) throw new InvalidCase(field, field + " is required");
        return s;
    }

    private static List<String> strings(List<?> items, String field) {
        List<String> out = new ArrayList<>(items.size());
        for (Object o : items) {
            if (!(o instanceof String s)) throw new InvalidCase(field, field + " must be strings");
            out.add(s);
        }
        return out;
    }

    private static Boolean bool(Map<String, Object> m, String key, String field) {
        Object v = m.get(key);
        if (v == null) return null;
        if (!(v instanceof Boolean b)) throw new InvalidCase(field, "must be a boolean");
        return b;
    }

    /** A JSON integer (no fraction, no exponent, not -0) in min..max, or null. */
    private static Long optInt(Map<String, Object> m, String key, String field, long min, long max) {
        Object v = m.get(key);
        if (v == null) return null;
        if (!(v instanceof BigInteger n) || n.compareTo(BigInteger.valueOf(min)) < 0
                || n.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new InvalidCase(field, field + " must be an integer in range");
        }
        return n.longValue();
    }

    private static long reqInt(Map<String, Object> m, String key, String field, long min, long max) {
        Long v = optInt(m, key, field, min, max);
        if (v == null) throw new InvalidCase(field, field + " is required");
        return v;
    }

    /** An i64 in decimal (optional sign, ASCII digits only), or null. */
    private static Long i64(Map<String, Object> m, String key, String field) {
        String s = optStr(m, key, field);
        if (s == null) return null;
        String digits = s.startsWith("-") || s.startsWith("+") ? s.substring(1) : s;
        boolean ok = !digits.isEmpty() && digits.chars().allMatch(ch -> ch >= '0' && ch <= '9');
        if (ok) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                // out of range
            }
        }
        throw new InvalidCase(field, key + " must be an i64 decimal string");
    }

    /** Bytes as hex (either case, even length), or null. */
    private static byte[] hex(Map<String, Object> m, String key, String field) {
        String s = optStr(m, key, field);
        if (s == null) return null;
        boolean ok = s.length() % 2 == 0 && s.chars().allMatch(ch -> (ch >= '0' && ch <= '9')
                || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'));
        if (!ok) throw new InvalidCase(field, field + " must be hex");
        return Hex.decode(s);
    }
}
