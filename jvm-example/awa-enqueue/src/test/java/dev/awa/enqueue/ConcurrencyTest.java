package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awa.enqueue.conformance.ConformanceMain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
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
    void threadsBuildIdenticalResults() throws Exception {
        List<String> cases = TestSupport.lines("vectors.jsonl");
        try (AwaEnqueue awa = AwaEnqueue.builder().maxIdleInstances(8).build()) {
            ConformanceMain runner = new ConformanceMain(awa);
            List<String> reference = new ArrayList<>();
            for (String c : cases) reference.add(runner.runLine(c));

            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = t;
                futures.add(pool.submit(() -> {
                    List<Integer> order = new ArrayList<>();
                    for (int i = 0; i < cases.size(); i++) order.add(i);
                    Collections.shuffle(order, new Random(seed));
                    List<Integer> mine = order.subList(0, PER_THREAD);
                    List<String> out = new ArrayList<>();
                    start.await();
                    for (int i : mine) out.add(runner.runLine(cases.get(i)));
                    List<String> expected = new ArrayList<>();
                    for (int i : mine) expected.add(reference.get(i));
                    assertEquals(expected, out);
                    return out;
                }));
            }
            start.countDown();
            for (Future<List<String>> f : futures) assertEquals(PER_THREAD, f.get().size());
            pool.shutdown();
            assertTrue(awa.idleInstances() <= 8, "idle pool is bounded: " + awa.idleInstances());
        }
    }

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
