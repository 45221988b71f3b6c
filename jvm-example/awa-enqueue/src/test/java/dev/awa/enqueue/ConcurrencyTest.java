package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Many threads building at once through one pooled AwaEnqueue give identical results. */
class ConcurrencyTest {
    static final int THREADS = 48;
    /** Cases per thread, a different shuffled sample of testdata/vectors.jsonl for each thread. */
    static final int PER_THREAD = 300;

    @Test
    void threadsBuildIdenticalBatches() throws Exception {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            jobs.add(Job.builder("batch_job").args(Map.of("i", i, "f", i + 0.5)).queue("q" + (i % 3))
                    .tags("t" + i).unique(UniqueOpts.builder().byQueue(i % 2 == 0).build())
                    .orderingKey("key-" + i).build());
        }
        try (AwaEnqueue awa = AwaEnqueue.create()) {
            InsertStatement reference = awa.buildInsertMany(jobs);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<InsertStatement>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) futures.add(pool.submit(() -> awa.buildInsertMany(jobs)));
            for (Future<InsertStatement> f : futures) {
                InsertStatement s = f.get();
                assertEquals(reference.sql(), s.sql());
                assertEquals(reference.binds(), s.binds());
            }
            pool.shutdown();
        }
    }

    /** 1,000,000 calls over single jobs, batches and error paths: linear memory stays the same. */
    @Test
    void memoryStaysBounded() {
        try (AwaEnqueue awa = AwaEnqueue.builder().maxIdleInstances(1).build()) {
            Job job = Job.builder("mem_job").argsJson("{\"payload\":\"" + "x".repeat(2000) + "\",\"n\":[1,2,3]}")
                    .tags("a", "b").unique(UniqueOpts.byArgs()).orderingKey("k").build();
            List<Job> invalid = List.of(job, Job.of("mem_job", "{")); // invalid JSON
            for (int i = 0; i < 20_000; i++) call(awa, job, invalid, i);
            int warm = awa.maxIdlePages();
            int calls = 1_000_000;
            for (int i = 0; i < calls; i++) call(awa, job, invalid, i);
            System.out.printf("%d calls: linear memory %d -> %d pages%n", calls, warm, awa.maxIdlePages());
            assertTrue(warm > 0);
            assertEquals(warm, awa.maxIdlePages(), "linear memory grew over " + calls + " calls");
        }
    }

    private static void call(AwaEnqueue awa, Job job, List<Job> invalid, int i) {
        if (i % 100 == 0) {
            awa.insertManyBinds(List.of(job));
        } else if (i % 50 == 0) {
            assertEquals("invalid_json", assertThrows(AwaEnqueueException.class, () -> awa.prepareMany(invalid)).code());
        } else if (i % 10 == 0) {
            awa.prepare(job);
        } else {
            awa.kindFromTypeName("HTMLToPDF");
        }
    }
}
