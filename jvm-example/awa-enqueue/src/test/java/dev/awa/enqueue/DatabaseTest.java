package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real PostgreSQL with the Awa 0.6.9 schema installed by Awa's own migrator, real Awa Python
 * workers and producers. Runs whenever DATABASE_URL is set (scripts/with-db.sh sets it).
 */
@EnabledIfEnvironmentVariable(named = "DATABASE_URL", matches = ".+")
class DatabaseTest {
    static AwaEnqueue awa;
    static String canonicalUrl;
    static String queueStorageUrl;
    static String python;

    @BeforeAll
    static void setUp() throws Exception {
        awa = AwaEnqueue.create();
        canonicalUrl = TestSupport.newDb("jvm_canonical", "canonical");
        queueStorageUrl = TestSupport.newDb("jvm_queue_storage", "queue_storage");
        python = TestSupport.python();
    }

    @AfterAll
    static void tearDown() {
        if (awa != null) awa.close();
    }

    static String url(String mode) {
        return mode.equals("canonical") ? canonicalUrl : queueStorageUrl;
    }

    static long count(Connection c, String kind) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM awa.jobs WHERE kind = ?")) {
            ps.setString(1, kind);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static String state(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT state::text FROM awa.jobs WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    void schemaCheck(String mode) throws Exception {
        try (Connection c = PostgresUrl.connect(url(mode))) {
            SchemaStatus s = awa.checkSchema(c);
            assertTrue(s.schemaVersion() >= 40, "version " + s.schemaVersion());
            assertTrue(s.tested());
        }
        try (Connection c = PostgresUrl.connect(TestSupport.databaseUrl())) {
            AwaEnqueueException e = assertThrows(AwaEnqueueException.class, () -> awa.checkSchema(c));
            assertEquals("schema_missing", e.code());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    void enqueueReturnsTheRow(String mode) throws Exception {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("to", "a@b.com");
        args.put("n", 3);
        Job job = Job.builder("jvm_row").args(args).queue("jvm_rows").priority(1).maxAttempts(7)
                .metadata(Map.of("source", "jvm")).tags("a", "b").unique(UniqueOpts.byArgs()).orderingKey("customer-42")
                .build();
        Prepared p = awa.prepare(job);
        try (Connection c = PostgresUrl.connect(url(mode))) {
            JobRow row = awa.enqueue(c, job);
            assertTrue(row.id() > 0);
            assertEquals("jvm_row", row.kind());
            assertEquals("jvm_rows", row.queue());
            assertEquals(p.argsJson(), awa.canonicalJson(row.argsJson()));
            assertEquals("available", row.state());
            assertEquals(1, row.priority());
            assertEquals(0, row.attempt());
            assertEquals(7, row.maxAttempts());
            assertEquals(List.of("a", "b"), row.tags());
            assertArrayEquals(p.uniqueKey(), row.uniqueKey());
            assertEquals("11111000", row.uniqueStates());
            assertNotNull(row.runAt());

            Instant at = Instant.parse("2030-01-02T03:04:05Z");
            JobRow scheduled = awa.enqueue(c, Job.builder("jvm_row").argsJson("[1, 2.50]").runAt(at).build());
            assertEquals("scheduled", scheduled.state());
            assertEquals(at, scheduled.runAt().toInstant());
            assertEquals("[1, 2.5]", scheduled.argsJson()); // canonical text, as jsonb prints it

            List<Job> jobs = List.of(Job.of("jvm_many", "{\"i\":0}"), Job.of("jvm_many", "{\"i\":1}"),
                    Job.builder("jvm_many").argsJson("{\"i\":2}").queue("other").build());
            List<JobRow> rows = awa.enqueueMany(c, jobs);
            assertEquals(3, rows.size());
            for (int i = 0; i < 3; i++) assertEquals("{\"i\": " + i + "}", rows.get(i).argsJson());
            assertEquals("other", rows.get(2).queue());
            assertTrue(rows.get(0).id() < rows.get(1).id() && rows.get(1).id() < rows.get(2).id());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    void rollbackLeavesNothing(String mode) throws Exception {
        try (Connection c = PostgresUrl.connect(url(mode))) {
            c.setAutoCommit(false);
            awa.enqueue(c, Job.builder("jvm_rollback").argsJson("{}").unique(UniqueOpts.byArgs()).build());
            awa.enqueueMany(c, List.of(Job.of("jvm_rollback", "{\"a\":1}"), Job.of("jvm_rollback", "{\"a\":2}")));
            assertEquals(3, count(c, "jvm_rollback"));
            c.rollback();
            assertEquals(0, count(c, "jvm_rollback"));
            // the unique claim was rolled back too: the same unique job goes in again
            awa.enqueue(c, Job.builder("jvm_rollback").argsJson("{}").unique(UniqueOpts.byArgs()).build());
            c.rollback();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    void savepointReportsDuplicateWithoutAbortingTheTransaction(String mode) throws Exception {
        Job unique = Job.builder("jvm_dup").args(Map.of("order", 7)).unique(UniqueOpts.byArgs()).build();
        try (Connection c = PostgresUrl.connect(url(mode))) {
            c.setAutoCommit(false);
            Optional<JobRow> first = awa.tryEnqueue(c, unique);
            assertTrue(first.isPresent());
            Optional<JobRow> second = awa.tryEnqueue(c, unique);
            assertFalse(second.isPresent(), "duplicate reported as empty");
            awa.enqueue(c, Job.of("jvm_dup", "{\"after\":true}"));
            c.commit();
            assertEquals(2, count(c, "jvm_dup"));

            SQLException e = assertThrows(SQLException.class, () -> awa.enqueue(c, unique));
            assertTrue(AwaEnqueue.isUniqueConflict(e), e.toString());
            c.rollback();

            c.setAutoCommit(true);
            assertFalse(awa.tryEnqueue(c, unique).isPresent());
            SQLException other = assertThrows(SQLException.class, () -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1/0");
                }
            });
            assertFalse(AwaEnqueue.isUniqueConflict(other));
        }
    }

    /** A real Awa Python worker (awa-pg 0.6.9) completes jobs the JVM enqueued. */
    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    void realAwaWorkerCompletesJvmJobs(String mode) throws Exception {
        String url = TestSupport.newDb("jvm_worker_" + mode, mode);
        List<Long> ids = new ArrayList<>();
        try (Connection c = PostgresUrl.connect(url)) {
            ids.add(awa.enqueue(c, Job.builder("jvm_job").args(Map.of("n", 1, "who", "jvm")).queue("jvm_q").build()).id());
            ids.add(awa.enqueue(c, Job.builder("jvm_job").argsJson("{\"n\":2}").queue("jvm_q")
                    .unique(UniqueOpts.byArgs()).orderingKey("customer-42").tags("t").build()).id());
            for (JobRow r : awa.enqueueMany(c, List.of(Job.builder("jvm_job").argsJson("{\"n\":3}").queue("jvm_q").build(),
                    Job.builder("jvm_job").argsJson("{\"n\":4}").queue("jvm_q").priority(1).build()))) {
                ids.add(r.id());
            }
        }
        Map<String, Object> out = TestSupport.lastJson(TestSupport.run(Duration.ofSeconds(120), python,
                TestSupport.awaPy(), "worker", url, "jvm_q", "jvm_job", Integer.toString(ids.size()), "90"));
        List<Long> seen = new ArrayList<>();
        for (Object o : (List<?>) out.get("seen")) {
            Map<?, ?> m = (Map<?, ?>) o;
            seen.add(((Number) m.get("id")).longValue());
            assertEquals("jvm_job", m.get("kind"));
            assertEquals("jvm_q", m.get("queue"));
        }
        assertEquals(ids.stream().sorted().toList(), seen.stream().sorted().toList());
        try (Connection c = PostgresUrl.connect(url)) {
            for (long id : ids) assertEquals("completed", state(c, id), "job " + id);
            // a completed unique job still blocks re-enqueue (default states)
            assertFalse(awa.tryEnqueue(c, Job.builder("jvm_job").argsJson("{ \"n\" : 2 }").queue("jvm_q")
                    .unique(UniqueOpts.byArgs()).build()).isPresent());
        }
    }

    /** An insert spec for scripts/awa_py.py and awa-rust-insert; argsJson and uniqueJson are JSON text. */
    private static String spec(String kind, String queue, String argsJson, String uniqueJson) {
        return "{\"kind\":" + Json.write(kind) + ",\"queue\":" + Json.write(queue) + ",\"args\":" + argsJson
                + ",\"unique_opts\":" + uniqueJson + "}";
    }

    /** Awa's own Python producer (awa-pg {@code client.insert}). */
    private Map<String, Object> pythonInsert(String url, String kind, String queue, String argsJson, String uniqueJson)
            throws Exception {
        return TestSupport.lastJson(TestSupport.run(Duration.ofSeconds(60), python, TestSupport.awaPy(), "insert", url,
                spec(kind, queue, argsJson, uniqueJson)));
    }

    /** Awa's own Rust producer (awa-model {@code insert_many}). */
    private static Map<String, Object> rustInsert(String url, String kind, String queue, String argsJson,
            String uniqueJson) throws Exception {
        return TestSupport.lastJson(TestSupport.run(Duration.ofSeconds(60), TestSupport.rustInsert(), url,
                spec(kind, queue, argsJson, uniqueJson)));
    }

    private static byte[] uniqueKeyOf(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT unique_key FROM awa.jobs WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBytes(1);
            }
        }
    }

    private static String uniqueStatesOf(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT unique_states::text FROM awa.jobs WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** Dedup is live across producers: Awa's own Python producer and this JVM host. */
    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    void crossLanguageDedupWithAwaPythonProducer(String mode) throws Exception {
        String url = url(mode);
        try (Connection c = PostgresUrl.connect(url)) {
            // Python first, JVM second (different key order and spelling, same value)
            Map<String, Object> py = pythonInsert(url, "ext_job", "default", "{\"n\": 1, \"x\": 1.5, \"s\": \"\\u00e9\"}",
                    "{\"by_args\": true}");
            assertEquals(Boolean.TRUE, py.get("inserted"), py.toString());
            Prepared p = awa.prepare(Job.builder("ext_job").argsJson("{\"s\":\"\\u00e9\",\"x\":1.5,\"n\":1}")
                    .unique(UniqueOpts.byArgs()).build());
            assertArrayEquals(uniqueKeyOf(c, ((Number) py.get("id")).longValue()), p.uniqueKey());
            Map<String, Object> args = new LinkedHashMap<>();
            args.put("x", 1.5);
            args.put("s", "é");
            args.put("n", 1);
            assertFalse(awa.tryEnqueue(c, Job.builder("ext_job").args(args).unique(UniqueOpts.byArgs()).build()).isPresent());

            // JVM first, Python second: by_queue + by_period
            UniqueOpts opts = UniqueOpts.builder().byQueue(true).byPeriod(493827L).build();
            JobRow row = awa.enqueue(c, Job.builder("ext_job").argsJson("{\"order\": 42}").queue("jvm_dedup")
                    .unique(opts).build());
            assertNotNull(row);
            Map<String, Object> dup = pythonInsert(url, "ext_job", "jvm_dedup", "{\"order\": 42}",
                    "{\"by_args\": true, \"by_queue\": true, \"by_period\": 493827}");
            assertEquals(Boolean.TRUE, dup.get("conflict"), dup.toString());
            // a different period bucket is a different job
            Map<String, Object> other = pythonInsert(url, "ext_job", "jvm_dedup", "{\"order\": 42}",
                    "{\"by_args\": true, \"by_queue\": true, \"by_period\": 493828}");
            assertEquals(Boolean.TRUE, other.get("inserted"), other.toString());
        }
    }

    /** A uniqueness option set as awa-model / awa-pg spell it, and the same options in Java. */
    private record Opts(String name, String awaJson, UniqueOpts jvm) {}

    private static final List<Opts> OPTS = List.of(
            new Opts("defaults", "{}", UniqueOpts.defaults()),
            new Opts("by_args", "{\"by_args\":true}", UniqueOpts.byArgs()),
            new Opts("by_queue", "{\"by_queue\":true}", UniqueOpts.builder().byQueue(true).build()),
            new Opts("by_period", "{\"by_period\":493827}", UniqueOpts.builder().byPeriod(493827L).build()),
            new Opts("queue_period_no_args", "{\"by_args\":false,\"by_queue\":true,\"by_period\":493828,\"states\":23}",
                    UniqueOpts.builder().byArgs(false).byQueue(true).byPeriod(493828L).states(23).build()));

    /** One value: the JVM gets raw text (shuffled keys, 1E0 for 1.0, \\u escapes, spaces). */
    private static final String JVM_ARGS =
            "{ \"x\" : 1E0, \"s\": \"\\u00e9t\\u00e9 \\ud83c\\udf89\", \"n\": [1, 2.50E0],\"a\":{\"z\":1,\"b\":\"\\u00e9\"} }";
    /**
     * The same value for Awa's producer, which parses the spec and hashes the value (so the spec's
     * own spelling is irrelevant; non-ASCII is escaped only to keep the command line ASCII).
     */
    private static final String AWA_ARGS = "{\"a\":{\"b\":\"\\u00e9\",\"z\":1},\"n\":[1,2.5],\"s\":\"\\u00e9t\\u00e9 \\ud83c\\udf89\",\"x\":1.0}";

    /** Dedup is live between Awa's own Rust producer (awa-model insert_many) and the JVM, both ways. */
    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    void crossLanguageDedupWithAwaRustProducer(String mode) throws Exception {
        String url = url(mode);
        String queue = "rust_dedup";
        try (Connection c = PostgresUrl.connect(url)) {
            for (Opts o : OPTS) {
                // Awa's Rust producer first, the JVM second
                Job jvmJob = Job.builder("rust_first_" + o.name()).argsJson(JVM_ARGS).queue(queue).unique(o.jvm()).build();
                Prepared p = awa.prepare(jvmJob);
                Map<String, Object> r = rustInsert(url, jvmJob.kind(), queue, AWA_ARGS, o.awaJson());
                assertEquals(Boolean.TRUE, r.get("inserted"), o.name() + ": " + r);
                long id = ((Number) r.get("id")).longValue();
                assertEquals(Hex.encode(p.uniqueKey()), r.get("unique_key"), o.name());
                assertArrayEquals(p.uniqueKey(), uniqueKeyOf(c, id), o.name());
                assertEquals(p.uniqueStates(), uniqueStatesOf(c, id), o.name());
                assertFalse(awa.tryEnqueue(c, jvmJob).isPresent(), o.name() + ": the JVM duplicate went in");

                // the JVM first, Awa's Rust producer second
                Job second = Job.builder("jvm_first_" + o.name()).argsJson(JVM_ARGS).queue(queue).unique(o.jvm()).build();
                JobRow row = awa.enqueue(c, second);
                assertArrayEquals(awa.prepare(second).uniqueKey(), row.uniqueKey(), o.name());
                Map<String, Object> dup = rustInsert(url, second.kind(), queue, AWA_ARGS, o.awaJson());
                assertEquals(Boolean.TRUE, dup.get("conflict"), o.name() + ": " + dup);
            }
            // integer 1 is not float 1.0: a different key, and the JVM computes the same one
            String intArgs = AWA_ARGS.replace("\"x\":1.0", "\"x\":1");
            Map<String, Object> other = rustInsert(url, "rust_first_defaults", queue, intArgs, "{}");
            assertEquals(Boolean.TRUE, other.get("inserted"), other.toString());
            Prepared p = awa.prepare(Job.builder("rust_first_defaults").argsJson(JVM_ARGS.replace("1E0", "1"))
                    .queue(queue).unique(UniqueOpts.defaults()).build());
            assertEquals(Hex.encode(p.uniqueKey()), other.get("unique_key"));
        }
    }
}
