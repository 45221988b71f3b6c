package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    static long id(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    void tryEnqueueReturnsTheJobHoldingTheKey(String mode) throws Exception {
        Job unique = Job.builder("jvm_dup").args(Map.of("order", 7)).unique(UniqueOpts.byArgs()).build();
        // the same value in another spelling is the same job
        Job again = Job.builder("jvm_dup").argsJson("{ \"order\" : 7 }").unique(UniqueOpts.byArgs()).build();
        try (Connection c = PostgresUrl.connect(url(mode))) {
            // auto-commit: no savepoint, a visible duplicate is a normal result
            InsertResult first = awa.tryEnqueue(c, unique);
            assertTrue(first.inserted());
            assertFalse(first.duplicate());
            assertNull(first.existing());
            assertEquals("11111000", first.row().uniqueStates());
            InsertResult dup = awa.tryEnqueue(c, again);
            assertTrue(dup.duplicate());
            assertNull(dup.row());
            assertEquals(first.row().id(), dup.existing().id(), "the job holding the key");
            assertEquals("available", dup.existing().state());
            assertEquals(1, count(c, "jvm_dup"));

            // inside a transaction: the transaction stays usable after a duplicate
            c.setAutoCommit(false);
            InsertResult inTx = awa.tryEnqueue(c, unique);
            assertTrue(inTx.duplicate());
            assertEquals(first.row().id(), inTx.existing().id());
            JobRow other = awa.enqueue(c, Job.of("jvm_dup", "{\"after\":true}"));
            InsertResult fresh = awa.tryEnqueue(c, Job.builder("jvm_dup").argsJson("{\"order\":8}").unique(UniqueOpts.byArgs()).build());
            assertTrue(fresh.inserted());
            // a duplicate of a job inserted earlier in the same transaction
            InsertResult sameTx = awa.tryEnqueue(c, Job.builder("jvm_dup").argsJson("{\"order\":8}").unique(UniqueOpts.byArgs()).build());
            assertEquals(fresh.row().id(), sameTx.existing().id());
            c.commit();
            assertEquals(3, count(c, "jvm_dup"));
            assertTrue(other.id() > 0);

            // jobs without a unique key always insert
            for (int i = 0; i < 2; i++) assertTrue(awa.tryEnqueue(c, Job.of("jvm_dup_plain", "{}")).inserted());
            c.commit();

            // enqueue (plain insert-sql) fails on the duplicate; isUniqueConflict recognizes it
            SQLException e = assertThrows(SQLException.class, () -> awa.enqueue(c, unique));
            assertTrue(AwaEnqueue.isUniqueConflict(e), e.toString());
            c.rollback();
            c.setAutoCommit(true);
            SQLException notUnique = assertThrows(SQLException.class, () -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1/0");
                }
            });
            assertFalse(AwaEnqueue.isUniqueConflict(notUnique));
        }
    }

    /**
     * A race: another transaction holds the key uncommitted, so the try-insert guard cannot see
     * it; the insert waits, then fails with 23505 once the holder commits. Inside a transaction
     * only the savepoint is rolled back, and the holder is found with existing-job-sql.
     */
    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    @org.junit.jupiter.api.Timeout(120)
    void raceDuplicateRollsBackOnlyTheSavepoint(String mode) throws Exception {
        for (boolean autoCommit : new boolean[] {false, true}) {
            Job job = Job.builder("jvm_race").argsJson("{\"auto\":" + autoCommit + "}").unique(UniqueOpts.byArgs()).build();
            try (Connection holder = PostgresUrl.connect(url(mode)); Connection racer = PostgresUrl.connect(url(mode));
                    Connection observer = PostgresUrl.connect(url(mode))) {
                holder.setAutoCommit(false);
                long held = awa.enqueue(holder, job).id();
                racer.setAutoCommit(autoCommit);
                long racerPid = id(racer, "SELECT pg_backend_pid()");
                // another lane: in queue storage an available insert holds its lane's lock until commit
                if (!autoCommit) awa.enqueue(racer, Job.builder("jvm_race_before").queue("jvm_race_other").build());
                java.util.concurrent.CompletableFuture<InsertResult> result = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return awa.tryEnqueue(racer, job);
                    } catch (SQLException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                waitUntilBlocked(observer, racerPid);
                holder.commit();
                InsertResult r = result.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(r.duplicate(), mode + " autoCommit=" + autoCommit);
                assertEquals(held, r.existing().id(), mode + " autoCommit=" + autoCommit);
                if (!autoCommit) {
                    awa.enqueue(racer, Job.of("jvm_race_after", "{}")); // the transaction goes on (the lane is free now)
                    racer.commit();
                    assertEquals(1, count(racer, "jvm_race_before"));
                    assertEquals(1, count(racer, "jvm_race_after"));
                }
            }
        }
    }

    /** Waits until backend {@code pid} waits for a lock (observed from an auto-commit connection). */
    private static void waitUntilBlocked(Connection observer, long pid) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (PreparedStatement ps = observer.prepareStatement(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = ?")) {
                ps.setLong(1, pid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("backend " + pid + " never waited for a lock");
    }

    /** The holder committed after the racer's snapshot (repeatable read): a duplicate, holder not visible. */
    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    @org.junit.jupiter.api.Timeout(120)
    void duplicateHeldOutsideTheSnapshotHasNoExistingJob(String mode) throws Exception {
        Job job = Job.builder("jvm_invisible").argsJson("{}").unique(UniqueOpts.byArgs()).build();
        try (Connection holder = PostgresUrl.connect(url(mode)); Connection racer = PostgresUrl.connect(url(mode))) {
            racer.setAutoCommit(false);
            racer.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            assertEquals(0, count(racer, "jvm_invisible")); // takes the snapshot
            long held = awa.enqueue(holder, job).id(); // auto-commit: committed now
            assertTrue(held > 0);
            InsertResult r = awa.tryEnqueue(racer, job);
            assertTrue(r.duplicate());
            assertNull(r.existing(), "the holder is not visible to this snapshot");
            assertEquals(0, count(racer, "jvm_invisible")); // the transaction is still usable
            racer.commit();
        }
    }

    /** Every string class of ApiTest survives the database round trip in kind, queue, tags and args. */
    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    void stringClassesRoundTrip(String mode) throws Exception {
        try (Connection c = PostgresUrl.connect(url(mode))) {
            List<Job> jobs = new ArrayList<>();
            for (String s : ApiTest.STRING_CLASSES) {
                jobs.add(Job.builder("k" + s).queue(s + "q").tags(s, "t" + s + "t").args(Map.of(s, List.of(s, "x" + s)))
                        .unique(UniqueOpts.byArgs()).build());
            }
            List<JobRow> rows = new ArrayList<>();
            for (Job j : jobs) rows.add(awa.enqueue(c, j));
            List<JobRow> again = new ArrayList<>();
            for (Job j : jobs) again.add(awa.tryEnqueue(c, j).existing());
            List<JobRow> batch = awa.enqueueMany(c, jobs.stream().map(j -> j.toBuilder().unique(null).build()).toList());
            for (int i = 0; i < jobs.size(); i++) {
                Job j = jobs.get(i);
                String what = Arrays.toString(ApiTest.STRING_CLASSES.get(i).codePoints().toArray());
                for (JobRow r : List.of(rows.get(i), again.get(i), batch.get(i))) {
                    assertEquals(j.kind(), r.kind(), what);
                    assertEquals(j.queue(), r.queue(), what);
                    assertEquals(j.tags(), r.tags(), what);
                    assertEquals(Json.parse(j.argsJson()), Json.parse(r.argsJson()), what);
                }
                assertEquals(rows.get(i).id(), again.get(i).id(), what);
                assertArrayEquals(awa.prepare(j).uniqueKey(), rows.get(i).uniqueKey(), what);
            }
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
            InsertResult again = awa.tryEnqueue(c, Job.builder("jvm_job").argsJson("{ \"n\" : 2 }").queue("jvm_q")
                    .unique(UniqueOpts.byArgs()).build());
            assertTrue(again.duplicate());
            assertEquals("completed", again.existing().state());
        }
    }

    /** An insert spec for host-tests/fixtures/awa_py.py and awa-rust-insert; argsJson and uniqueJson are JSON text. */
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
            long pyId = ((Number) py.get("id")).longValue();
            assertArrayEquals(uniqueKeyOf(c, pyId), p.uniqueKey());
            // the shortest "unique by args" has Awa's default states, as awa-pg stores them
            assertEquals("11111000", uniqueStatesOf(c, pyId));
            assertEquals("11111000", p.uniqueStates());
            Map<String, Object> args = new LinkedHashMap<>();
            args.put("x", 1.5);
            args.put("s", "é");
            args.put("n", 1);
            InsertResult dupOfPython = awa.tryEnqueue(c, Job.builder("ext_job").args(args).unique(UniqueOpts.byArgs()).build());
            assertTrue(dupOfPython.duplicate());
            assertEquals(pyId, dupOfPython.existing().id());

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
            new Opts("by_args_builder", "{\"by_args\":true}", UniqueOpts.builder().byArgs(true).build()),
            new Opts("queue_period_no_args", "{\"by_args\":false,\"by_queue\":true,\"by_period\":493828,\"states\":23}",
                    UniqueOpts.builder().byArgs(false).byQueue(true).byPeriod(493828L).states(23).build()),
            new Opts("state_names", "{\"by_queue\":true,\"states\":23}",
                    UniqueOpts.builder().byQueue(true).stateNames("scheduled", "available", "running", "retryable").build()));

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
                if (o.awaJson().equals("{\"by_args\":true}") || o.awaJson().equals("{}")) {
                    assertEquals("11111000", p.uniqueStates(), o.name() + ": Awa's default states");
                }
                InsertResult jvmDup = awa.tryEnqueue(c, jvmJob);
                assertTrue(jvmDup.duplicate(), o.name() + ": the JVM duplicate went in");
                assertEquals(id, jvmDup.existing().id(), o.name());

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
