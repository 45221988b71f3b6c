package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.awa.enqueue.conformance.ConformanceMain;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The conformance runner: golden files of testdata/ and the edge cases of the case format
 * through the runner, compared by host-tests' compare-results (the one comparison; skipped when
 * it is not built), and the runner's own rules.
 */
class ConformanceTest {
    static AwaEnqueue awa;

    @BeforeAll
    static void open() {
        awa = AwaEnqueue.create();
    }

    @AfterAll
    static void close() {
        awa.close();
    }

    private static String run(String input) throws Exception {
        StringWriter out = new StringWriter();
        new ConformanceMain(awa).run(new StringReader(input), out);
        return out.toString();
    }

    /**
     * testdata/ golden files and the edge cases (expected output from the reference runner,
     * {@code cargo run -q --release -p host-tests --bin conformance}).
     */
    @ParameterizedTest
    @CsvSource({
        "testdata/vectors.jsonl, testdata/expected.jsonl",
        "testdata/bad-inputs.jsonl, testdata/bad-inputs.expected.jsonl",
        "jvm-example/awa-enqueue/src/test/resources/edge-cases.jsonl, jvm-example/awa-enqueue/src/test/resources/edge-cases.expected.jsonl",
    })
    void matchesExpectedResults(String cases, String expected) throws Exception {
        String compare = TestSupport.compareResults();
        assumeTrue(compare != null, "compare-results is not built: cargo build --locked --release -p host-tests --bin compare-results");
        Path root = TestSupport.root();
        Path actual = Files.createTempFile("awa-jvm-conformance", ".jsonl");
        try {
            Files.writeString(actual, run(Files.readString(root.resolve(cases), StandardCharsets.UTF_8)));
            List<String> out = TestSupport.run(Duration.ofMinutes(2), compare, root.resolve(expected).toString(),
                    actual.toString());
            assertTrue(String.join("\n", out).contains(" 0 mismatches"), String.join("\n", out));
        } finally {
            Files.deleteIfExists(actual);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> line(String caseLine) {
        return (Map<String, Object>) Json.parse(new ConformanceMain(awa).runLine(caseLine));
    }

    @SuppressWarnings("unchecked")
    private static void assertError(String caseLine, String code, String field) {
        Map<String, Object> r = line(caseLine);
        Map<String, Object> e = (Map<String, Object>) r.get("error");
        assertTrue(e != null, r.toString());
        assertEquals(code, e.get("code"), r.toString());
        assertEquals(field, e.get("field"), r.toString());
    }

    @Test
    void invalidCaseLines() {
        assertError("{not json", "invalid_case", "");
        assertError("[1]", "invalid_case", "");
        assertError("{\"id\":\"a\",\"op\":\"ordering\",\"key_hex\":\"00\",\"shards\":99999999999999999999}", "invalid_case", "shards");
        assertError("{\"id\":1,\"op\":\"prepare\",\"job\":{\"kind\":\"\\ud800\"}}", "invalid_case", "");
        assertError("{\"id\":1,\"op\":\"prepare\",\"job\":{\"kind\":\"k\",\"priority\":1e400}}", "invalid_case", "");
        assertError("{\"id\":1,\"op\":\"prepare\",\"job\":{\"kind\":\"k\",\"unique\":{\"by_period\":\"\u0661\"}}}",
                "invalid_case", "unique.by_period");
        assertError("{\"id\":1,\"op\":\"prepare_many\",\"jobs\":[{\"kind\":\"a\"},{\"kind\":1}]}", "invalid_case", "jobs[1].kind");
        assertError("{\"id\":1,\"op\":\"prepare_many\",\"jobs\":[{\"kind\":\"a\"},7]}", "invalid_case", "jobs[1].job");
        assertError("{\"id\":1,\"op\":\"prepare_many\",\"jobs\":{}}", "invalid_case", "jobs");
        assertError("{\"id\":1,\"op\":\"prepare\",\"job\":{\"kind\":\"k\",\"unique\":{\"states\":[\"running\",2]}}}",
                "invalid_case", "unique.states");
        // a line nesting 128 arrays/objects is too deep for the reference parser
        assertError("{\"id\":1,\"x\":" + "[".repeat(127) + "]".repeat(127) + "}", "invalid_case", "");
    }

    @Test
    @SuppressWarnings("unchecked")
    void batchesAndStateNames() {
        assertError("{\"id\":1,\"op\":\"prepare_many\",\"jobs\":[]}", "empty_batch", "jobs");
        assertError("{\"id\":1,\"op\":\"prepare_many\",\"jobs\":[{\"kind\":\"a\"},{\"kind\":\"b\",\"run_at\":\"x\"}]}",
                "invalid_run_at", "jobs[1].run_at");
        Map<String, Object> r = line("{\"id\":1,\"op\":\"prepare_many\",\"jobs\":[{\"kind\":\"a\"},{\"kind\":\"b\","
                + "\"unique\":{\"states\":[\"scheduled\",\"available\",\"running\",\"retryable\"]}}]}");
        List<Map<String, Object>> jobs = (List<Map<String, Object>>) ((Map<String, Object>) r.get("ok")).get("jobs");
        assertEquals(2, jobs.size());
        assertEquals("11101000", jobs.get(1).get("unique_states"));
        assertError("{\"id\":1,\"op\":\"prepare\",\"job\":{\"kind\":\"k\",\"unique\":{\"states\":[\"done\"]}}}",
                "unknown_state", "unique.states");
    }

    @Test
    void blankLinesAndLineEndings() throws Exception {
        String out = run("\n \u00a0\u3000\t\r\n{\"id\":1,\"op\":\"canonical_json\",\"json\":\"[ ]\"}\r\n"
                + "{\"id\":2,\"op\":\"kind_from_type_name\",\"name\":\"HTMLToPDF\"}");
        assertEquals("{\"id\":1,\"ok\":{\"json\":\"[]\"}}\n{\"id\":2,\"ok\":{\"kind\":\"html_to_pdf\"}}\n", out);
    }
}
