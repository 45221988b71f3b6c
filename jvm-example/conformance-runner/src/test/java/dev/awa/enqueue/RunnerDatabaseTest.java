package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awa.enqueue.conformance.ConformanceMain;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The runner's --enqueue mode against real PostgreSQL with Awa's schema (DATABASE_URL set). */
@EnabledIfEnvironmentVariable(named = "DATABASE_URL", matches = ".+")
class RunnerDatabaseTest {
    static AwaEnqueue awa;

    @BeforeAll
    static void setUp() {
        awa = AwaEnqueue.create();
    }

    @AfterAll
    static void tearDown() {
        if (awa != null) awa.close();
    }

    /**
     * The runner's --enqueue mode over golden vectors and bad inputs: each prepare case in its own committed
     * transaction; the outcome matches the expected result (error code and field; a prepared job
     * is inserted with the expected values, or is a duplicate of a job inserted before).
     */
    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    @SuppressWarnings("unchecked")
    void conformanceRunnerEnqueues(String mode) throws Exception {
        String url = TestSupport.newDb("jvm_enqueue_" + mode, mode);
        // the first 600 golden vectors (each enqueued job is one committed transaction) and every bad input
        List<String> cases = new ArrayList<>(TestSupport.lines("vectors.jsonl").subList(0, 600));
        List<String> expected = new ArrayList<>(TestSupport.lines("expected.jsonl").subList(0, 600));
        cases.addAll(TestSupport.lines("bad-inputs.jsonl"));
        expected.addAll(TestSupport.lines("bad-inputs.expected.jsonl"));
        int inserted = 0, duplicates = 0, errors = 0;
        try (Connection c = PostgresUrl.connect(url); Connection check = PostgresUrl.connect(url)) {
            c.setAutoCommit(false);
            ConformanceMain runner = new ConformanceMain(awa, c);
            for (int i = 0; i < cases.size(); i++) {
                Map<String, Object> exp = (Map<String, Object>) Json.parse(expected.get(i));
                Map<String, Object> got = (Map<String, Object>) Json.parse(runner.runLine(cases.get(i)));
                String where = "line " + (i + 1) + ": " + got;
                assertEquals(exp.get("id"), got.get("id"), where);
                boolean prepare = "prepare".equals(((Map<String, Object>) Json.parse(cases.get(i))).get("op"));
                if (exp.containsKey("error")) {
                    Map<String, Object> e = (Map<String, Object>) exp.get("error"), a = (Map<String, Object>) got.get("error");
                    assertNotNull(a, where);
                    assertEquals(e.get("code"), a.get("code"), where);
                    assertEquals(e.get("field"), a.get("field"), where);
                    errors++;
                } else if (!prepare) {
                    assertEquals(exp.get("ok"), got.get("ok"), where);
                } else if (Boolean.TRUE.equals(got.get("duplicate"))) {
                    assertNotNull(((Map<String, Object>) exp.get("ok")).get("unique_key_hex"), where);
                    duplicates++;
                } else {
                    Map<String, Object> e = (Map<String, Object>) exp.get("ok");
                    long id = Long.parseLong((String) ((Map<String, Object>) got.get("ok")).get("job_id"));
                    try (PreparedStatement ps = check.prepareStatement("SELECT kind, queue, state::text, priority, "
                            + "max_attempts, unique_states::text, encode(unique_key, 'hex'), args = ?::jsonb FROM awa.jobs WHERE id = ?")) {
                        ps.setString(1, (String) e.get("args_json")); // jsonb equality: jsonb keeps numbers as numeric
                        ps.setLong(2, id);
                        try (ResultSet rs = ps.executeQuery()) {
                            assertTrue(rs.next(), where);
                            assertEquals(e.get("kind"), rs.getString(1), where);
                            assertEquals(e.get("queue"), rs.getString(2), where);
                            assertEquals(e.get("state"), rs.getString(3), where);
                            assertEquals(((Number) e.get("priority")).intValue(), rs.getInt(4), where);
                            assertEquals(((Number) e.get("max_attempts")).intValue(), rs.getInt(5), where);
                            assertEquals(e.get("unique_states"), rs.getString(6), where);
                            assertEquals(e.get("unique_key_hex"), rs.getString(7), where);
                            assertTrue(rs.getBoolean(8), where);
                        }
                    }
                    inserted++;
                }
            }
        }
        assertTrue(inserted > 100 && errors > 20, "inserted " + inserted + ", duplicates " + duplicates + ", errors " + errors);
    }
}
