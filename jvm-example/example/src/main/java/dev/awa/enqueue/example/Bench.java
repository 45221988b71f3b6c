package dev.awa.enqueue.example;

import dev.awa.enqueue.AwaEnqueue;
import dev.awa.enqueue.PostgresUrl;
import dev.awa.enqueue.AwaEnqueueException;
import dev.awa.enqueue.Job;
import dev.awa.enqueue.conformance.ConformanceMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

/**
 * Builder throughput: {@code prepare} calls/s, one thread, on the shared job mix
 * ({@code bench/jobs.jsonl}, prepare cases in the conformance format), measured after a JIT
 * warm-up that runs until the rate is stable. With a postgres:// URL (an Awa database) also
 * measures batched enqueue ({@code enqueueMany}, 1000 jobs per auto-committed statement).
 *
 * <p>Usage: {@code Bench [--jobs FILE] [--seconds S] [postgres://URL]}. Prints
 * {@code jvm prepare: N calls/s} (and the enqueue line) on stdout, details on stderr.
 *
 * <p>With {@code --metric enqueue-many|enqueue-many-parallel|single|cold-start [--rows 1000]
 * [--batches 5] [--parallel 3] [--calls 2000]}: one measurement of scripts/bench.py's protocol on
 * the Awa database of DATABASE_URL, printed as {@code RESULT host=jvm metric=... value=...} lines.
 * Cold start is measured from the JVM's start to the first {@code prepare}'s result.
 */
public final class Bench {
    private static final double WINDOW_S = 1.0;
    private static final int STABLE_WINDOWS = 3;
    private static final double STABLE_SPREAD = 0.05;
    private static final double MIN_WARMUP_S = 10, MAX_WARMUP_S = 60;

    private static long sink;

    public static void main(String[] args) throws Exception {
        for (String a : args) {
            if (a.equals("--metric")) {
                Protocol.main(args);
                return;
            }
        }
        Path jobsFile = null;
        double seconds = 5;
        String url = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jobs" -> jobsFile = Path.of(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                default -> url = args[i];
            }
        }
        if (jobsFile == null) jobsFile = findJobsFile();
        List<Job> mix = loadMix(jobsFile);

        long t0 = System.nanoTime();
        try (AwaEnqueue awa = AwaEnqueue.create()) {
            System.err.printf("cold start (load + instantiate + handshake): %.1f ms%n", (System.nanoTime() - t0) / 1e6);
            System.err.printf("job mix: %d prepare cases from %s%n", mix.size(), jobsFile);
            double warm = warmUp(awa, mix);
            System.err.printf("JIT warm-up: %.0f s%n", warm);
            double rate = prepareRate(awa, mix, seconds);
            System.err.printf("prepare: %.2f us/call over %.0f s%n", 1e6 / rate, seconds);
            System.out.printf("jvm prepare: %.0f calls/s%n", rate);
            if (url != null) enqueue(awa, url, seconds);
        }
    }

    /** bench/jobs.jsonl under $AWA_ENQUEUE_ROOT, or the nearest one above the working directory. */
    static Path findJobsFile() {
        String root = System.getenv("AWA_ENQUEUE_ROOT");
        if (root != null && !root.isEmpty()) return Path.of(root, "bench", "jobs.jsonl");
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path f = d.resolve("bench").resolve("jobs.jsonl");
            if (Files.isRegularFile(f)) return f;
        }
        throw new IllegalStateException("bench/jobs.jsonl not found; pass --jobs FILE");
    }

    static List<Job> loadMix(Path file) throws Exception {
        List<Job> jobs = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) jobs.add(ConformanceMain.prepareCaseJob(line));
        }
        if (jobs.isEmpty()) throw new IllegalStateException(file + " has no prepare cases");
        return jobs;
    }

    /** Runs 1 s windows until the last few agree within a few percent; returns the seconds spent. */
    private static double warmUp(AwaEnqueue awa, List<Job> mix) {
        long start = System.nanoTime();
        List<Double> rates = new ArrayList<>();
        while (true) {
            rates.add(prepareRate(awa, mix, WINDOW_S));
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (rates.size() >= STABLE_WINDOWS && elapsed >= MIN_WARMUP_S) {
                List<Double> last = rates.subList(rates.size() - STABLE_WINDOWS, rates.size());
                double max = last.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                double min = last.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                if ((max - min) / max <= STABLE_SPREAD) return elapsed;
            }
            if (elapsed >= MAX_WARMUP_S) {
                System.err.printf("warning: rate not stable after %.0f s: %s%n", elapsed, rates);
                return elapsed;
            }
        }
    }

    /** prepare calls/s, one thread, cycling through the mix for about {@code seconds}. */
    private static double prepareRate(AwaEnqueue awa, List<Job> mix, double seconds) {
        long n = 0, start = System.nanoTime(), end = start + (long) (seconds * 1e9);
        long s = 0;
        while (System.nanoTime() < end) {
            for (Job j : mix) {
                try {
                    s += awa.prepare(j).argsJson().length();
                } catch (AwaEnqueueException e) {
                    s += e.code().length(); // an error case of the mix still costs a full call
                }
            }
            n += mix.size();
        }
        sink += s;
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static void enqueue(AwaEnqueue awa, String url, double seconds) throws Exception {
        List<Job> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            batch.add(Job.builder("bench_job").argsJson("{\"i\":" + i + "}").queue("jvm_bench").build());
        }
        try (Connection conn = PostgresUrl.connect(url)) {
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
            System.out.printf("jvm enqueueMany(1000) %s: %.0f jobs/s%n", engine, n / ((System.nanoTime() - start) / 1e9));
        }
    }
}
