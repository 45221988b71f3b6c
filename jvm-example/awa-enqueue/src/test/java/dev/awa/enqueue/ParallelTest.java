package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** enqueueManyParallel against real Awa databases in both storage modes. */
@EnabledIfEnvironmentVariable(named = "DATABASE_URL", matches = ".+")
class ParallelTest {
    static AwaEnqueue awa;
    static String canonicalUrl;
    static String queueStorageUrl;

    @BeforeAll
    static void setUp() throws Exception {
        awa = AwaEnqueue.create();
        canonicalUrl = TestSupport.newDb("jvm_parallel_canonical", "canonical");
        queueStorageUrl = TestSupport.newDb("jvm_parallel_queue_storage", "queue_storage");
    }

    @AfterAll
    static void tearDown() {
        if (awa != null) awa.close();
    }

    static String url(String mode) {
        return mode.equals("canonical") ? canonicalUrl : queueStorageUrl;
    }

    /** 60 jobs over 4 queues, interleaved; job i carries args {"i": i}. */
    static List<Job> batch(String kind) {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            jobs.add(Job.builder(kind).argsJson("{\"i\":" + i + "}").queue("q" + (i % 4)).build());
        }
        return jobs;
    }

    @ParameterizedTest
    @ValueSource(strings = {"canonical|true", "canonical|false", "queue_storage|true", "queue_storage|false"})
    void rowsInJobOrderAndPartsSplitByTheEngine(String param) throws Exception {
        String mode = param.split("\\|")[0];
        boolean autoCommit = Boolean.parseBoolean(param.split("\\|")[1]);
        String kind = "jvm_parallel_" + autoCommit;
        DataSource ds = TestSupport.dataSource(url(mode), autoCommit);
        List<Job> jobs = batch(kind);
        ParallelResult r = awa.enqueueManyParallel(ds, jobs, 3);
        assertTrue(r.committed());
        assertEquals(60, r.rows().size());
        for (int i = 0; i < 60; i++) {
            assertEquals("{\"i\": " + i + "}", r.rows().get(i).argsJson(), "row " + i); // jsonb text
            assertEquals("q" + (i % 4), r.rows().get(i).queue());
        }
        assertEquals(3, r.parts().size());
        Set<Integer> seen = new HashSet<>();
        for (ParallelResult.Part p : r.parts()) {
            assertEquals(p.jobs().size(), p.rows().size());
            seen.addAll(p.jobs());
            Set<String> queues = new HashSet<>();
            for (int j : p.jobs()) queues.add(jobs.get(j).queue());
            if (mode.equals("queue_storage")) {
                for (ParallelResult.Part other : r.parts()) {
                    if (other == p) continue;
                    for (int j : other.jobs()) assertTrue(!queues.contains(jobs.get(j).queue()), "a queue in two parts");
                }
            } else {
                int first = p.jobs().get(0);
                for (int k = 0; k < p.jobs().size(); k++) assertEquals(first + k, p.jobs().get(k), "contiguous");
            }
        }
        assertEquals(60, seen.size());
        try (Connection c = PostgresUrl.connect(url(mode))) {
            assertEquals(60, DatabaseTest.count(c, kind));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"canonical", "queue_storage"})
    void aFailedPartStoresNothingAndTheOthersCommit(String mode) throws Exception {
        String kind = "jvm_parallel_dup";
        DataSource ds = TestSupport.dataSource(url(mode), true);
        Job held = Job.builder(kind).argsJson("{\"i\":7}").queue("q3").unique(UniqueOpts.byArgs()).build();
        try (Connection c = PostgresUrl.connect(url(mode))) {
            awa.enqueue(c, held);
        }
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            jobs.add(i == 7 ? held : Job.builder(kind).argsJson("{\"i\":" + i + "}").queue("q" + (i % 4)).build());
        }
        EnqueuePartsException e = assertThrows(EnqueuePartsException.class, () -> awa.enqueueManyParallel(ds, jobs, 4));
        assertTrue(AwaEnqueue.isUniqueConflict(e));
        ParallelResult r = e.result();
        int stored = 0;
        for (ParallelResult.Part p : r.parts()) {
            if (p.jobs().contains(7)) {
                assertNotNull(p.error());
                assertNull(p.rows());
                for (int j : p.jobs()) assertNull(r.rows().get(j));
            } else {
                assertNull(p.error());
                stored += p.jobs().size();
            }
        }
        assertTrue(stored > 0 && stored < 40, "stored " + stored);
        try (Connection c = PostgresUrl.connect(url(mode))) {
            assertEquals(1 + stored, DatabaseTest.count(c, kind));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void partsBelowOneIsATypedErrorAndNothingIsSent(int parts) throws Exception {
        DataSource ds = TestSupport.dataSource(canonicalUrl, true);
        AwaEnqueueException e = assertThrows(AwaEnqueueException.class,
                () -> awa.enqueueManyParallel(ds, batch("jvm_parallel_none"), parts));
        assertEquals("invalid_parts", e.code());
        AwaEnqueueException bad = assertThrows(AwaEnqueueException.class, () -> awa.enqueueManyParallel(ds,
                List.of(Job.of("jvm_parallel_none", "{}"), Job.builder("jvm_parallel_none").argsJson("{").build()), 2));
        assertEquals("jobs[1].args", bad.field());
        try (Connection c = PostgresUrl.connect(canonicalUrl)) {
            assertEquals(0, DatabaseTest.count(c, "jvm_parallel_none"));
        }
    }
}
