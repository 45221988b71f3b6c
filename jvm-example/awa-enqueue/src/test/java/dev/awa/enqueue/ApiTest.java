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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java API: values from awa-contract.md §12 (generated with awa-model 0.6.9), errors, statements. */
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
        Contract c = awa.contract();
        assertEquals("0.6.9", c.awaVersion());
        assertEquals(1, c.abiVersion());
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

    /** Unset UniqueOpts fields take the core's default-unique-opts (awa-model's UniqueOpts::default()). */
    @Test
    void uniqueDefaultsComeFromTheCore() {
        UniqueOpts d = awa.defaultUniqueOpts();
        assertEquals(UniqueOpts.builder().byQueue(false).byArgs(true).byPeriod(null).states(31).build(), d);
        Job.Builder job = Job.builder("send_email").argsJson("{\"to\":\"a@b.com\",\"subject\":\"Hi\"}");
        Prepared explicit = awa.prepare(job.unique(d).build());
        for (UniqueOpts u : List.of(UniqueOpts.defaults(), UniqueOpts.byArgs(), UniqueOpts.builder().states(31).build())) {
            assertEquals(explicit, awa.prepare(job.unique(u).build()), u.toString());
        }
        assertEquals("917d72099c79c6dd28577111373d14be", Hex.encode(explicit.uniqueKey()));
        assertNull(UniqueOpts.defaults().isByArgs(), "unset stays unset in the value");
        Prepared byQueue = awa.prepare(job.queue("email").unique(UniqueOpts.builder().byQueue(true).build()).build());
        assertEquals(Hex.encode(awa.uniqueKey("send_email", "email", "{\"subject\":\"Hi\",\"to\":\"a@b.com\"}", null)),
                Hex.encode(byQueue.uniqueKey()));
        assertEquals("11111000", byQueue.uniqueStates());
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

    @Test
    void typedErrors() {
        AwaEnqueueException e = assertThrows(AwaEnqueueException.class,
                () -> awa.prepare(Job.builder("k").priority(9).build()));
        assertEquals("priority_out_of_range", e.code());
        assertEquals("priority", e.field());
        e = assertThrows(AwaEnqueueException.class,
                () -> awa.buildInsertMany(List.of(Job.of("a", "{}"), Job.builder("b").runAt("tomorrow").build())));
        assertEquals("invalid_run_at", e.code());
        assertEquals("jobs[1].run_at", e.field());
        e = assertThrows(AwaEnqueueException.class, () -> awa.buildInsertMany(List.of()));
        assertEquals("empty_batch", e.code());
        e = assertThrows(AwaEnqueueException.class, () -> awa.uniqueStatesMask(List.of("done")));
        assertEquals("unknown_state", e.code());
        e = assertThrows(AwaEnqueueException.class, () -> awa.checkSchema(null, null));
        assertEquals("schema_missing", e.code());
    }

    private static void assertInvalidArgument(String field, org.junit.jupiter.api.function.Executable call) {
        AwaEnqueueException e = assertThrows(AwaEnqueueException.class, call);
        assertEquals("invalid_argument", e.code(), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(field.replaceFirst("^jobs\\[\\d+]\\.", "")), e.getMessage());
    }

    @Test
    void valuesOutsideTheWitTypesAreInvalidArguments() {
        assertInvalidArgument("mask", () -> awa.uniqueStatesBits(256));
        assertInvalidArgument("mask", () -> awa.uniqueStatesBits(-1));
        assertInvalidArgument("shards", () -> awa.shardForOrderingKey(new byte[0], 40000));
        assertInvalidArgument("partitions", () -> awa.partitionForKey("q", -1, new byte[0]));
        assertInvalidArgument("partitions", () -> awa.partitionForKey("q", 1L << 32, new byte[0]));
        assertInvalidArgument("rows", () -> awa.insertManySql(-1));
        assertInvalidArgument("unique.states", () -> UniqueOpts.builder().states(256));
        assertInvalidArgument("args", () -> Job.builder("k").args(new Object()));
        assertInvalidArgument("metadata", () -> Job.builder("k").metadata(Map.of("o", new Object())));
    }

    @Test
    void loneSurrogatesAreRefusedNotReplaced() {
        String lone = "a\ud800b";
        assertInvalidArgument("kind", () -> awa.prepare(Job.builder(lone).build()));
        assertInvalidArgument("kind", () -> awa.prepare(Job.builder("\udc00").build()));
        assertInvalidArgument("args", () -> awa.prepare(Job.of("k", "{\"s\":\"" + lone + "\"}")));
        assertInvalidArgument("args", () -> awa.prepare(Job.builder("k").args(Map.of("s", lone)).build()));
        assertInvalidArgument("metadata", () -> awa.prepare(Job.builder("k").metadataJson("\"" + lone + "\"").build()));
        assertInvalidArgument("queue", () -> awa.prepare(Job.builder("k").queue(lone).build()));
        assertInvalidArgument("run_at", () -> awa.prepare(Job.builder("k").runAt(lone).build()));
        assertInvalidArgument("tags[1]", () -> awa.prepare(Job.builder("k").tags("ok", lone).build()));
        assertInvalidArgument("ordering_key", () -> Job.builder("k").orderingKey(lone));
        assertInvalidArgument("jobs[1].args",
                () -> awa.prepareMany(List.of(Job.of("a", "{}"), Job.of("b", "\"" + lone + "\""))));
        assertInvalidArgument("jobs[1].kind", () -> awa.buildInsertMany(List.of(Job.of("a", "{}"), Job.of(lone, "{}"))));
        assertInvalidArgument("kind", () -> awa.uniqueKey(lone, null, null, null));
        assertInvalidArgument("args", () -> awa.uniqueKey("k", "q", "\"" + lone + "\"", null));
        assertInvalidArgument("json", () -> awa.canonicalJson("\"" + lone + "\""));
        assertInvalidArgument("unique.states[1]", () -> awa.uniqueStatesMask(List.of("scheduled", lone)));
        assertInvalidArgument("queue", () -> awa.partitionForKey(lone, 4, new byte[0]));
        assertInvalidArgument("name", () -> awa.kindFromTypeName(lone));
        assertInvalidArgument("function_arguments", () -> awa.checkSchema(43, lone));
        // a JSON escape of a lone surrogate is text the core refuses itself; a pair is fine
        AwaEnqueueException e = assertThrows(AwaEnqueueException.class, () -> awa.prepare(Job.of("k", "\"\\ud800\"")));
        assertEquals("invalid_json", e.code());
        assertEquals("args", e.field());
        assertEquals("\"\ud83c\udf89\"", awa.prepare(Job.of("k\ud83c\udf89", "\"\ud83c\udf89\"")).argsJson());
        // rejected calls leak nothing in the pooled instances
        int pages = awa.maxIdlePages();
        for (int i = 0; i < 20_000; i++) {
            assertThrows(AwaEnqueueException.class, () -> awa.prepare(Job.builder("k").tags("x".repeat(500), lone).build()));
        }
        assertEquals(pages, awa.maxIdlePages());
    }

    @Test
    void insertStatementParameters() {
        Job job = Job.builder("send_email").args(Map.of("to", "a@b.com")).queue("email").priority(1).maxAttempts(3)
                .runAt(Instant.parse("2026-11-28T00:00:00Z")).metadata(Map.of("m", 1)).tags("x", "y")
                .unique(UniqueOpts.builder().byQueue(true).states(23).build()).orderingKey("customer-42").build();
        InsertStatement s = awa.buildInsert(job);
        List<InsertStatement.Param> ps = s.parameters();
        assertEquals(12, ps.size());
        assertEquals(List.of("send_email", "email", "{\"to\":\"a@b.com\"}", "scheduled"),
                ps.subList(0, 4).stream().map(InsertStatement.Param::value).toList());
        assertEquals(InsertStatement.ParamType.SMALLINT, ps.get(4).type());
        assertEquals((short) 1, ps.get(4).value());
        assertEquals((short) 3, ps.get(5).value());
        assertEquals(List.of("x", "y"), ps.get(8).value());
        assertEquals(InsertStatement.ParamType.TEXT_ARRAY, ps.get(8).type());
        assertEquals(16, ((byte[]) ps.get(9).value()).length);
        assertEquals("11101000", ps.get(10).value());
        assertArrayEquals("customer-42".getBytes(StandardCharsets.UTF_8), (byte[]) ps.get(11).value());
        assertFalse(s.jdbcSql().contains("$"));
        assertEquals(12, s.jdbcSql().chars().filter(c -> c == '?').count());
        assertEquals(awa.insertSql(), s.sql());

        InsertStatement many = awa.buildInsertMany(List.of(job, Job.of("b", null), Job.of("c", "[1]")));
        assertEquals(36, many.parameters().size());
        assertEquals(36, many.jdbcSql().chars().filter(c -> c == '?').count());
        assertNull(many.parameters().get(12 + 9).value());
    }

    @Test
    void derivations() {
        assertEquals("11111000", awa.uniqueStatesBits(awa.defaultUniqueOpts().states()));
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
        AwaEnqueueException e = assertThrows(AwaEnqueueException.class, () -> awa.checkSchema(39, "x"));
        assertEquals("schema_too_old", e.code());
    }

    record SendConfirmationEmail(String to) {}

    @Test
    void runAtFromJavaTime() {
        Prepared p = awa.prepare(Job.builder("k").runAt(java.time.OffsetDateTime.parse("2026-11-28T01:00+01:00")).build());
        assertEquals(Instant.parse("2026-11-28T00:00:00Z"), Instant.parse(p.runAt()));
        assertEquals("scheduled", p.state());
        p = awa.prepare(Job.builder("k").runAt(Instant.parse("2026-11-28T00:00:00.123456Z")).build());
        assertEquals(Instant.parse("2026-11-28T00:00:00.123456Z"), Instant.parse(p.runAt()));
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
