package dev.awa.enqueue.example;

import dev.awa.enqueue.AwaEnqueue;
import dev.awa.enqueue.Job;
import dev.awa.enqueue.UniqueOpts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Builder throughput on a fixed job mix (prepare calls/s), single-threaded and with N threads.
 * With a postgres:// URL also measures batched enqueue (enqueueMany, 1000 jobs per statement,
 * one transaction each) into that database.
 * Usage: Bench [seconds-per-phase] [threads] [url]. Prints numbers only; asserts nothing.
 */
public final class Bench {
    public static List<Job> jobMix() {
        List<Job> jobs = new ArrayList<>();
        jobs.add(Job.of("send_email", "{\"to\":\"a@b.com\",\"subject\":\"Hi\"}"));
        jobs.add(Job.builder("send_email").argsJson("{\"to\":\"a@b.com\"}").unique(UniqueOpts.byArgs()).build());
        jobs.add(Job.builder("process_payment").argsJson("{\"order_id\":12345,\"amount_cents\":9999,\"currency\":\"NZD\"}")
                .queue("payments").priority(1).tags("billing", "eu").orderingKey("customer-42")
                .unique(UniqueOpts.builder().byQueue(true).byPeriod(493827L).build()).build());
        jobs.add(Job.builder("report").args(Map.of("z", Map.of("b", List.of(3, 2, 1), "a", 1.5), "a", List.of()))
                .runAt("2026-11-28T00:00:00Z").metadataJson("{\"source\":\"bench\"}").build());
        jobs.add(Job.builder("k").argsJson("{\"s\":\"é日本🎉/\\\\\\\"\\n\",\"n\":null,\"t\":true}").build());
        return jobs;
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        List<Job> mix = jobMix();
        long t0 = System.nanoTime();
        try (AwaEnqueue awa = AwaEnqueue.create()) {
            long cold = System.nanoTime() - t0;
            System.out.printf("cold start (load + instantiate + handshake): %.1f ms%n", cold / 1e6);
            run(awa, mix, seconds * 3, Math.max(1, threads), "warm-up (JIT)");
            run(awa, mix, seconds, 1, "prepare, 1 thread");
            run(awa, mix, seconds, threads, "prepare, " + threads + " threads");
            long n = 0, end = System.nanoTime() + (long) (seconds * 1e9), start = System.nanoTime();
            List<Job> batch = new ArrayList<>();
            for (int i = 0; i < 1000; i++) batch.add(mix.get(i % mix.size()));
            while (System.nanoTime() < end) {
                awa.buildInsertMany(batch);
                n += batch.size();
            }
            System.out.printf("buildInsertMany(1000), 1 thread: %.0f jobs/s%n", n / ((System.nanoTime() - start) / 1e9));
            if (args.length > 2) enqueue(awa, args[2], seconds);
        }
    }

    private static void enqueue(AwaEnqueue awa, String url, double seconds) throws Exception {
        List<Job> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            batch.add(Job.builder("bench_job").argsJson("{\"i\":" + i + "}").queue("jvm_bench").build());
        }
        try (java.sql.Connection conn = Example.connect(url)) {
            String engine;
            try (var st = conn.createStatement(); var rs = st.executeQuery("SELECT awa.active_storage_engine()")) {
                rs.next();
                engine = rs.getString(1);
            }
            awa.enqueueMany(conn, batch);
            long n = 0, start = System.nanoTime(), end = start + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                n += awa.enqueueMany(conn, batch).size();
            }
            System.out.printf("enqueueMany(1000) over JDBC (%s): %.0f jobs/s%n", engine,
                    n / ((System.nanoTime() - start) / 1e9));
        }
    }

    private static void run(AwaEnqueue awa, List<Job> mix, double seconds, int threads, String label) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9);
        List<Future<Long>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            fs.add(pool.submit(() -> {
                long n = 0;
                while (System.nanoTime() < end) {
                    for (Job j : mix) awa.prepare(j);
                    n += mix.size();
                }
                return n;
            }));
        }
        long total = 0;
        for (Future<Long> f : fs) total += f.get();
        pool.shutdown();
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s: %.0f calls/s (%.2f us/call)%n", label, total / secs, secs * 1e6 * threads / total);
    }
}
