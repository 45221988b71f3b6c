package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void memoryStaysBounded() {
        try (AwaEnqueue awa = AwaEnqueue.builder().maxIdleInstances(1).build()) {
            Job job = Job.builder("mem_job").argsJson("{\"payload\":\"" + "x".repeat(2000) + "\",\"n\":[1,2,3]}")
                    .tags("a", "b").unique(UniqueOpts.byArgs()).orderingKey("k").build();
            for (int i = 0; i < 2_000; i++) awa.prepare(job);
            int warm = awa.maxIdlePages();
            for (int i = 0; i < 20_000; i++) awa.prepare(job);
            assertEquals(warm, awa.maxIdlePages(), "linear memory grew over 20k calls");
        }
    }
}
