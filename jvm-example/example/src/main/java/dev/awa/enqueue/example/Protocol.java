package dev.awa.enqueue.example;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.awa.enqueue.AwaEnqueue;
import dev.awa.enqueue.Job;
import dev.awa.enqueue.PostgresUrl;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** One measurement of scripts/bench.py's protocol (see {@link Bench}); the same arms as the Go and Node benches. */
final class Protocol {
    private Protocol() {}

    static void main(String[] args) throws Exception {
        String metric = null;
        int rows = 1000, batches = 5, parallel = 3, calls = 2000, warmup = 1;
        double warmupSeconds = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--metric" -> metric = args[++i];
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--batches" -> batches = Integer.parseInt(args[++i]);
                case "--parallel" -> parallel = Integer.parseInt(args[++i]);
                case "--calls" -> calls = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]); // statements (x100 single calls) before timing
                // before those: derivation only (no database), so the JIT has compiled the core as in a running service
                case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if ("cold-start".equals(metric)) {
            try (AwaEnqueue awa = AwaEnqueue.create()) {
                awa.prepare(Job.builder("cold_start").args(Map.of("n", 1)).build());
                long started = ManagementFactory.getRuntimeMXBean().getStartTime();
                result(metric, System.currentTimeMillis() - started, "ms");
            }
            return;
        }
        String url = System.getenv("DATABASE_URL");
        if (url == null || url.isEmpty()) throw new IllegalStateException("DATABASE_URL must point at an Awa database");
        List<Job> mix = new ArrayList<>();
        for (Job j : Bench.loadMix(Bench.findJobsFile())) mix.add(j.toBuilder().unique(null).build()); // the mix repeats
        List<Job> batch = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) batch.add(mix.get(i % mix.size()));
        try (AwaEnqueue awa = AwaEnqueue.create()) {
            long until = System.nanoTime() + (long) (warmupSeconds * 1e9);
            while (System.nanoTime() < until) awa.insertManyBinds(batch);
            switch (String.valueOf(metric)) {
                case "enqueue-many" -> {
                    try (Connection conn = PostgresUrl.connect(url)) {
                        for (int w = 0; w < warmup; w++) awa.enqueueMany(conn, batch);
                        long start = System.nanoTime();
                        for (int b = 0; b < batches; b++) awa.enqueueMany(conn, batch);
                        result(metric, rate(start, (long) rows * batches), "jobs/s");
                    }
                }
                case "enqueue-many-parallel" -> {
                    try (HikariDataSource pool = pool(url, parallel + 1)) {
                        for (int w = 0; w < warmup; w++) awa.enqueueManyParallel(pool, batch, parallel);
                        long n = 0, start = System.nanoTime();
                        for (int b = 0; b < batches; b++) n += awa.enqueueManyParallel(pool, batch, parallel).rows().size();
                        result(metric, rate(start, n), "jobs/s");
                    }
                }
                case "single" -> {
                    try (Connection conn = PostgresUrl.connect(url)) {
                        double[] ms = new double[calls];
                        int skip = 100 * warmup;
                        for (int i = 0; i < calls + skip; i++) {
                            long start = System.nanoTime();
                            awa.enqueue(conn, mix.get(i % mix.size()));
                            if (i >= skip) ms[i - skip] = (System.nanoTime() - start) / 1e6;
                        }
                        Arrays.sort(ms);
                        result("single_p50", ms[(int) Math.round((calls - 1) * 0.5)], "ms");
                        result("single_p99", ms[(int) Math.round((calls - 1) * 0.99)], "ms");
                    }
                }
                default -> throw new IllegalArgumentException("no metric " + metric);
            }
        }
    }

    /** A HikariCP pool over a libpq-style URL (user and password from its user info). */
    private static HikariDataSource pool(String url, int size) {
        URI u = URI.create(url);
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:postgresql://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "") + u.getRawPath()
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
        if (u.getRawUserInfo() != null) {
            String[] ui = u.getRawUserInfo().split(":", 2);
            c.setUsername(URLDecoder.decode(ui[0], StandardCharsets.UTF_8));
            if (ui.length > 1) c.setPassword(URLDecoder.decode(ui[1], StandardCharsets.UTF_8));
        }
        c.setMaximumPoolSize(size);
        c.setMinimumIdle(size);
        return new HikariDataSource(c);
    }

    private static double rate(long startNanos, long jobs) {
        return jobs / ((System.nanoTime() - startNanos) / 1e9);
    }

    private static void result(String metric, double value, String unit) {
        System.out.printf("RESULT host=jvm metric=%s value=%.3f unit=%s%n", metric, value, unit);
    }
}
