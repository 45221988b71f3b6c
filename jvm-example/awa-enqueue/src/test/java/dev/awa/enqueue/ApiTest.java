package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The Java API: values generated with awa-model 0.6.9, defaults, errors, strings, statements. */
class ApiTest {
    static AwaEnqueue awa;

    @BeforeAll
    static void open() {
        awa = AwaEnqueue.create();
    }

    @AfterAll
    static void close() {
        awa.close();
    }

    @Test
    void handshake() {
        Contract c = awa.contractInfo();
        assertEquals("0.6.9", c.awaVersion());
        assertEquals(2, c.abiVersion());
        assertEquals(40, c.minSchemaVersion());
        assertEquals(43, c.maxTestedSchemaVersion());
    }

    @Test
    void uniqueKeysFromMapsAndText() {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("to", "a@b.com");
        args.put("subject", "Hi");
        Prepared p = awa.prepare(Job.builder("send_email").args(args).unique(UniqueOpts.byArgs()).build());
        assertEquals("917d72099c79c6dd28577111373d14be", Hex.encode(p.uniqueKey()));
        assertEquals("{\"subject\":\"Hi\",\"to\":\"a@b.com\"}", p.argsJson());
        assertEquals("11111000", p.uniqueStates());
        assertEquals("available", p.state());

        assertEquals("ef8febabb370bd83c515cf9f8e9c3600",
                Hex.encode(awa.uniqueKey("send_email", null, "{ \"to\" : \"a@b.com\" }", null)));
        assertEquals("fd16d04ded7e690c3e1d9c711f05096b",
                Hex.encode(awa.uniqueKey("send_email", "email", "{\"to\":\"a@b.com\"}", 493827L)));
        assertEquals("bee8bfbcd9d48e51f79059a523039018", Hex.encode(awa.uniqueKey("send_email", null, null, null)));
    }

    /** Unset options go to the core unset; it applies awa-model's UniqueOpts::default(). */
    @Test
    void uniqueDefaultsAreTheCores() {
        Job.Builder job = Job.builder("send_email").argsJson("{\"to\":\"a@b.com\",\"subject\":\"Hi\"}");
        Prepared explicit = awa.prepare(job.unique(
                UniqueOpts.builder().byQueue(false).byArgs(true).byPeriod(null).states(31).build()).build());
        assertEquals("917d72099c79c6dd28577111373d14be", Hex.encode(explicit.uniqueKey()));
        assertEquals("11111000", explicit.uniqueStates());
        for (UniqueOpts u : List.of(UniqueOpts.byArgs(), UniqueOpts.builder().byArgs(true).build(), UniqueOpts.defaults(),
                UniqueOpts.builder().states(31).build(),
                UniqueOpts.builder().stateNames("scheduled", "available", "running", "completed", "retryable").build())) {
            assertEquals(explicit, awa.prepare(job.unique(u).build()), u.toString());
        }
        assertNull(UniqueOpts.defaults().isByArgs(), "unset stays unset in the value");
        assertNull(UniqueOpts.byArgs().states(), "no host default for states");
        Prepared byQueue = awa.prepare(job.queue("email").unique(UniqueOpts.builder().byQueue(true).build()).build());
        assertEquals(Hex.encode(awa.uniqueKey("send_email", "email", "{\"subject\":\"Hi\",\"to\":\"a@b.com\"}", null)),
                Hex.encode(byQueue.uniqueKey()));
        assertEquals("11111000", byQueue.uniqueStates());

        Prepared names = awa.prepare(Job.builder("k").unique(UniqueOpts.builder().stateNames("running", "waiting_external")
                .build()).build());
        assertEquals(awa.uniqueStatesBits(awa.uniqueStatesMask(List.of("running", "waiting_external"))), names.uniqueStates());
        Prepared typed = awa.prepare(Job.builder("k").unique(UniqueOpts.builder()
                .states(JobState.RUNNING, JobState.WAITING_EXTERNAL).build()).build());
        assertEquals(names.uniqueStates(), typed.uniqueStates());
        for (JobState s : JobState.values()) {
            assertEquals(awa.uniqueStatesBits(1 << s.ordinal()), awa.prepare(Job.builder("k")
                    .unique(UniqueOpts.builder().states(s).build()).build()).uniqueStates(), s.wireName());
        }
        AwaEnqueueException e = assertThrows(AwaEnqueueException.class, () -> awa.prepare(Job.builder("k")
                .unique(UniqueOpts.builder().states(3).stateNames("running").build()).build()));
        assertEquals("conflicting_states", e.code());
        assertEquals("unique.states", e.field());
        e = assertThrows(AwaEnqueueException.class, () -> awa.prepareMany(List.of(Job.of("a", null), Job.builder("k")
                .unique(UniqueOpts.builder().stateNames("running", "done").build()).build())));
        assertEquals("unknown_state", e.code());
        assertEquals("jobs[1].unique.states", e.field());
    }

    @Test
    void javaDoublesChangeTheKey() {
        byte[] asDouble = awa.prepare(Job.builder("k").args(Map.of("f", 1.0)).unique(UniqueOpts.byArgs()).build()).uniqueKey();
        byte[] asInt = awa.prepare(Job.builder("k").args(Map.of("f", 1)).unique(UniqueOpts.byArgs()).build()).uniqueKey();
        byte[] rawDouble = awa.prepare(Job.builder("k").argsJson("{\"f\":1.0}").unique(UniqueOpts.byArgs()).build()).uniqueKey();
        assertNotEquals(Hex.encode(asDouble), Hex.encode(asInt));
        assertArrayEquals(rawDouble, asDouble);
        assertEquals("{\"f\":1e+21}", awa.canonicalJson(Json.write(Map.of("f", 1e21))));
        AwaEnqueueException e = assertThrows(AwaEnqueueException.class,
                () -> awa.prepare(Job.builder("k").args(Map.of("f", Double.NaN)).build()));
        assertEquals("invalid_json", e.code());
        assertEquals("args", e.field());
    }

    /** No message of this library names a WIT type. */
    private static final Pattern WIT_TYPE = Pattern.compile("\\b(u8|u16|u32|u64|s8|s16|s32|s64|option|list|record|WIT)\\b");

    private static AwaEnqueueException assertError(String code, String field, String contractField, Executable call) {
        AwaEnqueueException e = assertThrows(AwaEnqueueException.class, call);
        assertEquals(code, e.code(), e.toString());
        assertEquals(field, e.field(), e.toString());
        assertEquals(contractField, e.contractField(), e.toString());
        assertFalse(WIT_TYPE.matcher(e.getMessage()).find(), e.getMessage());
        return e;
    }

    @Test
    void fieldsInJavaAndContractSpelling() {
        assertError("priority_out_of_range", "priority", "priority", () -> awa.prepare(Job.builder("k").priority(9).build()));
        assertError("max_attempts_out_of_range", "maxAttempts", "max_attempts",
                () -> awa.prepare(Job.builder("k").maxAttempts(0).build()));
        // s64 in the interface: a Java long beyond the old int range is the core's range error
        assertError("priority_out_of_range", "priority", "priority",
                () -> awa.prepare(Job.builder("k").priority(1L << 40).build()));
        assertError("invalid_run_at", "jobs[1].runAt", "jobs[1].run_at",
                () -> awa.buildInsertMany(List.of(Job.of("a", "{}"), Job.builder("b").runAt("tomorrow").build())));
        assertError("max_attempts_out_of_range", "jobs[2].maxAttempts", "jobs[2].max_attempts",
                () -> awa.insertManyBinds(List.of(Job.of("a", "{}"), Job.of("b", "{}"), Job.builder("c").maxAttempts(1001L).build())));
        assertError("empty_batch", "jobs", "jobs", () -> awa.buildInsertMany(List.of()));
        assertError("empty_batch", "jobs", "jobs", () -> awa.prepareMany(List.of()));
        assertError("unknown_state", "unique.states", "unique.states", () -> awa.uniqueStatesMask(List.of("done")));
        assertError("schema_missing", "schemaVersion", "schema_version", () -> awa.checkSchemaRow(null, null));
        assertError("invalid_period", "periodSeconds", "period_seconds", () -> awa.periodBucket(1, 0));
        assertError("function_signature_mismatch", "insert_job_compat", "insert_job_compat", () -> awa.checkSchemaRow(43, "x"));
        assertError("null_byte", "tags[1]", "tags[1]", () -> awa.prepare(Job.builder("k").tags("a", "b\0").build()));
    }

    @Test
    void valuesOutsideTheInterfaceTypesAreInvalidArguments() {
        assertError("invalid_argument", "mask", "mask", () -> awa.uniqueStatesBits(256));
        assertError("invalid_argument", "mask", "mask", () -> awa.uniqueStatesBits(-1));
        assertError("invalid_argument", "shards", "shards", () -> awa.shardForOrderingKey(new byte[0], 40000));
        assertError("invalid_argument", "partitions", "partitions", () -> awa.partitionForKey("q", -1, new byte[0]));
        assertError("invalid_argument", "partitions", "partitions", () -> awa.partitionForKey("q", 1L << 32, new byte[0]));
        assertError("invalid_argument", "unique.states", "unique.states",
                () -> awa.prepare(Job.builder("k").unique(UniqueOpts.builder().states(256).build()).build()));
        assertError("invalid_argument", "jobs[1].unique.states", "jobs[1].unique.states", () -> awa.prepareMany(
                List.of(Job.of("a", null), Job.builder("k").unique(UniqueOpts.builder().states(-1).build()).build())));
        Job badArgs = Job.builder("k").args(new Object()).build(); // the builder checks nothing
        assertNull(badArgs.argsJson());
        assertError("invalid_argument", "args", "args", () -> awa.prepare(badArgs));
        assertError("invalid_argument", "jobs[1].args", "jobs[1].args", () -> awa.insertManyBinds(List.of(Job.of("a", null), badArgs)));
        assertError("invalid_argument", "metadata", "metadata",
                () -> awa.prepare(Job.builder("k").metadata(Map.of("o", new Object())).build()));
        assertEquals(awa.prepare(Job.of("k", "{}")), awa.prepare(badArgs.toBuilder().argsJson("{}").build()));
    }

    @Test
    void loneSurrogatesAreRefusedNotReplaced() {
        String lone = "a\ud800b";
        assertError("invalid_argument", "kind", "kind", () -> awa.prepare(Job.builder(lone).build()));
        assertError("invalid_argument", "kind", "kind", () -> awa.prepare(Job.builder("\udc00").build()));
        assertError("invalid_argument", "args", "args", () -> awa.prepare(Job.of("k", "{\"s\":\"" + lone + "\"}")));
        assertError("invalid_argument", "args", "args", () -> awa.prepare(Job.builder("k").args(Map.of("s", lone)).build()));
        assertError("invalid_argument", "metadata", "metadata",
                () -> awa.prepare(Job.builder("k").metadataJson("\"" + lone + "\"").build()));
        assertError("invalid_argument", "queue", "queue", () -> awa.prepare(Job.builder("k").queue(lone).build()));
        assertError("invalid_argument", "runAt", "run_at", () -> awa.prepare(Job.builder("k").runAt(lone).build()));
        assertError("invalid_argument", "tags[1]", "tags[1]", () -> awa.prepare(Job.builder("k").tags("ok", lone).build()));
        assertError("invalid_argument", "unique.states[1]", "unique.states[1]", () -> awa.prepare(Job.builder("k")
                .unique(UniqueOpts.builder().stateNames("running", lone).build()).build()));
        Job badKey = Job.builder("k").orderingKey(lone).build();
        assertError("invalid_argument", "orderingKey", "ordering_key", () -> awa.prepare(badKey));
        assertError("invalid_argument", "jobs[1].orderingKey", "jobs[1].ordering_key",
                () -> awa.prepareMany(List.of(Job.of("a", "{}"), badKey)));
        assertError("invalid_argument", "jobs[1].args", "jobs[1].args",
                () -> awa.prepareMany(List.of(Job.of("a", "{}"), Job.of("b", "\"" + lone + "\""))));
        assertError("invalid_argument", "jobs[1].kind", "jobs[1].kind",
                () -> awa.buildInsertMany(List.of(Job.of("a", "{}"), Job.of(lone, "{}"))));
        assertError("invalid_argument", "kind", "kind", () -> awa.uniqueKey(lone, null, null, null));
        assertError("invalid_argument", "args", "args", () -> awa.uniqueKey("k", "q", "\"" + lone + "\"", null));
        assertError("invalid_argument", "json", "json", () -> awa.canonicalJson("\"" + lone + "\""));
        assertError("invalid_argument", "unique.states[1]", "unique.states[1]",
                () -> awa.uniqueStatesMask(List.of("scheduled", lone)));
        assertError("invalid_argument", "queue", "queue", () -> awa.partitionForKey(lone, 4, new byte[0]));
        assertError("invalid_argument", "name", "name", () -> awa.kindFromTypeName(lone));
        assertError("invalid_argument", "functionArguments", "function_arguments", () -> awa.checkSchemaRow(43, lone));
        // a JSON escape of a lone surrogate is text the core refuses itself; a pair is fine
        assertError("invalid_json", "args", "args", () -> awa.prepare(Job.of("k", "\"\\ud800\"")));
        assertEquals("\"\ud83c\udf89\"", awa.prepare(Job.of("k\ud83c\udf89", "\"\ud83c\udf89\"")).argsJson());
        // rejected calls leak nothing in the pooled instances
        int pages = awa.maxIdlePages();
        for (int i = 0; i < 20_000; i++) {
            assertThrows(AwaEnqueueException.class, () -> awa.prepare(Job.builder("k").tags("x".repeat(500), lone).build()));
            assertThrows(AwaEnqueueException.class, () -> awa.prepareMany(List.of(Job.of("k", "{}"), Job.of(lone, "{}"))));
        }
        assertEquals(pages, awa.maxIdlePages());
    }

    /** String classes survive the trip through the core unchanged (kind, queue, tags, args) or fail typed. */
    @Test
    void stringClassesSurvive() {
        for (String s : STRING_CLASSES) {
            String kind = "k" + s, queue = s + "q";
            Job job = Job.builder(kind).queue(queue).tags(s, "t" + s + "t").args(Map.of(s, List.of(s, "x" + s)))
                    .unique(UniqueOpts.builder().byQueue(true).build()).build();
            Prepared p = awa.prepare(job);
            String what = Arrays.toString(s.codePoints().toArray());
            assertEquals(kind, p.kind(), what);
            assertEquals(queue, p.queue(), what);
            assertEquals(List.of(s, "t" + s + "t"), p.tags(), what);
            assertEquals(Map.of(s, List.of(s, "x" + s)), Json.parse(p.argsJson()), what);
            assertEquals(kind, p.binds().get(0), what);
            assertEquals(queue, p.binds().get(1), what);
            assertEquals(awa.canonicalJson(p.argsJson()), p.binds().get(2), what);
            assertEquals(Hex.encode(awa.uniqueKey(kind, queue, Json.write(Map.of(s, List.of(s, "x" + s))), null)),
                    Hex.encode(p.uniqueKey()), what);
        }
        for (String nul : List.of("\0", "a\0", "\0b")) {
            assertError("null_byte", "kind", "kind", () -> awa.prepare(Job.builder(nul).build()));
            assertError("null_byte", "queue", "queue", () -> awa.prepare(Job.builder("k").queue(nul).build()));
            assertError("null_byte", "tags[0]", "tags[0]", () -> awa.prepare(Job.builder("k").tags(nul).build()));
            assertError("null_byte", "args", "args", () -> awa.prepare(Job.builder("k").args(Map.of("a", nul)).build()));
        }
        for (String lone : List.of("\ud800", "x\udbff", "\udc00y", "\udc00\ud800")) {
            assertError("invalid_argument", "kind", "kind", () -> awa.prepare(Job.builder(lone).build()));
            assertError("invalid_argument", "tags[0]", "tags[0]", () -> awa.prepare(Job.builder("k").tags(lone).build()));
        }
    }

    /** BOM at start, middle and end; noncharacters; the last code point; combining marks; ZWJ; C0 and C1. */
    static final List<String> STRING_CLASSES = List.of("\ufeffa", "a\ufeffb", "a\ufeff", "\ufeff", "\ufffe", "\uffff",
            "\udbff\udfff", "e\u0301", "\u0301", "\ud83d\udc69\u200d\ud83d\udcbb", "\u200d", "\u0001\u001f", "\t\n\r",
            "\u007f\u0080\u009f", "\u0085", "\u2028\u2029", "\"\\{},NULL");

    @Test
    void statementsFromTheCore() {
        Job job = Job.builder("send_email").args(Map.of("to", "a@b.com")).queue("email").priority(1).maxAttempts(3)
                .runAt(Instant.parse("2026-11-28T00:00:00Z")).metadata(Map.of("m", 1)).tags("x", "y\"")
                .unique(UniqueOpts.builder().byQueue(true).states(23).build()).orderingKey("customer-42").build();
        Prepared p = awa.prepare(job);
        InsertStatement s = awa.buildInsert(job);
        List<String> b = s.binds();
        assertEquals(p.binds(), b);
        assertEquals(12, b.size());
        assertEquals(List.of("send_email", "email", "{\"to\":\"a@b.com\"}", "scheduled", "1", "3"), b.subList(0, 6));
        assertEquals(Instant.parse("2026-11-28T00:00:00Z"), Instant.parse(b.get(6)));
        assertEquals("{\"m\":1}", b.get(7));
        assertEquals("{\"x\",\"y\\\"\"}", b.get(8));
        assertEquals("\\x" + Hex.encode(p.uniqueKey()), b.get(9));
        assertEquals("11101000", b.get(10));
        assertEquals("\\x" + Hex.encode("customer-42".getBytes(StandardCharsets.UTF_8)), b.get(11));
        assertFalse(s.sql().contains("$"));
        assertEquals(12, s.sql().chars().filter(c -> c == '?').count());
        assertEquals(awa.insertSql(Placeholders.QUESTION), s.sql());
        assertTrue(awa.insertSql(Placeholders.DOLLAR).contains("$12::text::bytea"));
        assertEquals(awa.tryInsertSql(Placeholders.QUESTION), awa.buildTryInsert(job).sql());
        assertEquals(12, awa.tryInsertSql(Placeholders.QUESTION).chars().filter(c -> c == '?').count());
        assertEquals(1, awa.existingJobSql(Placeholders.QUESTION).chars().filter(c -> c == '?').count());

        Prepared plain = awa.prepare(Job.of("b", null));
        assertNull(plain.binds().get(6));
        assertNull(plain.binds().get(9));
        assertNull(plain.binds().get(10));
        assertNull(plain.binds().get(11));

        // any number of jobs: one statement shape, 13 array binds
        for (int n : new int[] {1, 3, 250}) {
            List<Job> jobs = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) jobs.add(i == 0 ? job : Job.of("b" + i, "[" + i + "]"));
            InsertStatement many = awa.buildInsertMany(jobs);
            assertEquals(13, many.binds().size());
            assertEquals(13, many.sql().chars().filter(c -> c == '?').count());
            assertEquals(awa.insertManySql(Placeholders.QUESTION), many.sql());
            assertEquals(awa.insertManyBinds(jobs), many.binds());
        }
    }

    @Test
    void derivations() {
        assertEquals("11111000", awa.uniqueStatesBits(31));
        assertEquals("10000001", awa.uniqueStatesBits(129));
        assertEquals(3, awa.uniqueStatesMask(List.of("scheduled", "available")));
        assertEquals(472222L, awa.periodBucket(1_700_000_000L, 3600));
        byte[] key = "customer-42".getBytes(StandardCharsets.UTF_8);
        assertEquals("695220319317454988", Long.toUnsignedString(awa.orderingKeyHash64(key)));
        assertEquals(12, awa.shardForOrderingKey(key, 16));
        assertEquals("14695981039346656037", Long.toUnsignedString(awa.orderingKeyHash64(new byte[0])));
        assertEquals("2415934538594125323", Long.toUnsignedString(awa.partitionHash64(key)));
        assertEquals(new Partition(3, "orders__p3"), awa.partitionForKey("orders", 4, key));
        assertEquals("html_to_pdf", awa.kindFromTypeName("HTMLToPDF"));
        assertEquals("send_confirmation_email", awa.kindOf(SendConfirmationEmail.class));
        assertEquals("{\"a\":2,\"b\":1}", awa.canonicalJson(" { \"b\":1, \"a\":2 } "));
        assertError("schema_too_old", "schemaVersion", "schema_version", () -> awa.checkSchemaRow(39, "x"));
    }

    record SendConfirmationEmail(String to) {}

    /** runAt(Instant) goes to the core as an instant (run-at-time), runAt(String) as text. */
    @Test
    void runAtFromJavaTime() {
        Prepared p = awa.prepare(Job.builder("k").runAt(java.time.OffsetDateTime.parse("2026-11-28T01:00+01:00")).build());
        assertEquals(Instant.parse("2026-11-28T00:00:00Z"), Instant.parse(p.runAt()));
        assertEquals("scheduled", p.state());
        Instant at = Instant.parse("2026-11-28T00:00:00.123456789Z");
        Job viaInstant = Job.builder("k").runAt(at).build();
        assertEquals(at, viaInstant.runAtTime());
        assertNull(viaInstant.runAt());
        p = awa.prepare(viaInstant);
        assertEquals(awa.prepare(Job.builder("k").runAt("2026-11-28T00:00:00.123456789Z").build()), p);
        assertEquals(Instant.parse("2026-11-28T00:00:00.123456Z"), Instant.parse(p.runAt()), "truncated to microseconds");
        // one option, two spellings: the last one set wins
        assertNull(Job.builder("k").runAt(at).runAt("2026-01-01T00:00:00Z").build().runAtTime());
        // before 2000-01-01 the core truncates toward PostgreSQL's epoch, as for text
        assertEquals(awa.prepare(Job.builder("k").runAt("1999-12-31T23:59:59.9999999Z").build()).runAt(),
                awa.prepare(Job.builder("k").runAt(Instant.parse("1999-12-31T23:59:59.9999999Z")).build()).runAt());
        assertError("invalid_run_at", "runAt", "run_at", () -> awa.prepare(Job.builder("k").runAt(Instant.MAX).build()));
        assertError("invalid_run_at", "runAt", "run_at",
                () -> awa.prepare(Job.builder("k").runAt(Instant.parse("-0001-01-01T00:00:00Z")).build()));
    }

    @Test
    void jobIsImmutable() {
        byte[] key = {1, 2};
        Job job = Job.builder("k").orderingKey(key).tags("a").build();
        key[0] = 9;
        assertArrayEquals(new byte[] {1, 2}, job.orderingKey());
        job.orderingKey()[0] = 7;
        assertArrayEquals(new byte[] {1, 2}, job.orderingKey());
        assertThrows(UnsupportedOperationException.class, () -> job.tags().add("b"));
        assertEquals(job, job.toBuilder().build());
        assertThrows(UnsupportedOperationException.class, () -> awa.prepare(job).binds().set(0, "x"));
    }

    @Test
    void uniqueConflictDetection() {
        assertFalse(AwaEnqueue.isUniqueConflict(new SQLException("boom", "23514")));
        assertTrue(AwaEnqueue.isUniqueConflict(new SQLException(
                "ERROR: duplicate key value violates unique constraint \"idx_awa_jobs_unique\"", "23505")));
        assertFalse(AwaEnqueue.isUniqueConflict(new SQLException(
                "ERROR: duplicate key value violates unique constraint \"other\"", "23505")));
    }

    @Test
    void closedBuilderRefuses() {
        AwaEnqueue a = AwaEnqueue.create();
        a.close();
        assertThrows(IllegalStateException.class, () -> a.prepare(Job.of("k", "{}")));
    }
}
