package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awa.enqueue.conformance.ConformanceMain;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every golden vector and bad input of testdata/ through the public API (the conformance runner). */
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

    private static void check(String cases, String expected) throws Exception {
        check(TestSupport.lines(cases), TestSupport.lines(expected));
    }

    private static void check(List<String> in, List<String> exp) {
        assertEquals(exp.size(), in.size(), "case and expected line counts");
        assertTrue(in.size() > 0);
        ConformanceMain runner = new ConformanceMain(awa);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            String d = TestSupport.diff(exp.get(i), runner.runLine(in.get(i)));
            if (d != null) problems.add("line " + (i + 1) + ": " + d);
        }
        assertTrue(problems.isEmpty(), problems.size() + " mismatches:\n" + String.join("\n", problems.subList(0, Math.min(20, problems.size()))));
    }

    @Test
    void goldenVectors() throws Exception {
        check("vectors.jsonl", "expected.jsonl");
    }

    @Test
    void badInputs() throws Exception {
        check("bad-inputs.jsonl", "bad-inputs.expected.jsonl");
    }

    /**
     * Edge cases of the case format (number spellings, nulls, ranges), expected output produced by
     * the reference runner: {@code cargo run -q --release -p host-tests --bin conformance}.
     */
    @Test
    void edgeCasesAgreeWithTheReferenceRunner() throws Exception {
        java.nio.file.Path dir = TestSupport.root().resolve("jvm-example/awa-enqueue/src/test/resources");
        check(java.nio.file.Files.readAllLines(dir.resolve("edge-cases.jsonl")).stream().filter(l -> !l.isBlank()).toList(),
                java.nio.file.Files.readAllLines(dir.resolve("edge-cases.expected.jsonl")).stream().filter(l -> !l.isBlank()).toList());
    }

    @Test
    void invalidCaseLines() {
        ConformanceMain runner = new ConformanceMain(awa);
        assertTrue(runner.runLine("{not json").contains("\"code\":\"invalid_case\""));
        assertTrue(runner.runLine("[1]").contains("\"code\":\"invalid_case\""));
        String r = runner.runLine("{\"id\":\"a\",\"op\":\"ordering\",\"key_hex\":\"00\",\"shards\":99999999999999999999}");
        assertTrue(r.contains("\"field\":\"shards\""), r);
    }
}
