package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awa.enqueue.conformance.ConformanceMain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Many threads running the golden vectors at once through one pooled AwaEnqueue give identical results. */
class RunnerConcurrencyTest {
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
}
