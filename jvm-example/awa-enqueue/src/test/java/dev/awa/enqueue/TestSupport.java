package dev.awa.enqueue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Shared helpers for the tests: repository paths, golden files, databases, subprocesses. */
final class TestSupport {
    private TestSupport() {}

    static Path root() {
        String env = System.getenv("AWA_ENQUEUE_ROOT");
        return (env != null ? Path.of(env) : Path.of("../..")).toAbsolutePath().normalize();
    }

    static List<String> lines(String testdataFile) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(root().resolve("testdata").resolve(testdataFile), StandardCharsets.UTF_8)) {
            if (!l.isBlank()) out.add(l);
        }
        return out;
    }

    /**
     * The one comparison of runner output (docs/conformance.md): host-tests' compare-results,
     * built by scripts/test-jvm.sh ({@code AWA_COMPARE_RESULTS}) or found in target/release/.
     * Null when it is not built.
     */
    static String compareResults() {
        String env = System.getenv("AWA_COMPARE_RESULTS");
        Path p = env != null && !env.isEmpty() ? Path.of(env) : root().resolve("target/release/compare-results");
        return Files.isExecutable(p) ? p.toString() : null;
    }

    // ---- database ----------------------------------------------------------------------------

    static String databaseUrl() {
        return System.getenv("DATABASE_URL");
    }

    /** A fresh database with the Awa schema (scripts/new-awa-db.sh); mode canonical or queue_storage. */
    static String newDb(String name, String mode) throws Exception {
        List<String> out = run(Duration.ofMinutes(3), root().resolve("scripts/new-awa-db.sh").toString(), name, mode);
        return out.get(out.size() - 1).trim();
    }


    /** A DataSource over {@link PostgresUrl#connect}; with {@code autoCommit} false its connections start a transaction. */
    static javax.sql.DataSource dataSource(String url, boolean autoCommit) {
        return (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(TestSupport.class.getClassLoader(),
                new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getConnection" -> {
                            java.sql.Connection c = PostgresUrl.connect(url);
                            c.setAutoCommit(autoCommit);
                            return c;
                        }
                        case "hashCode" -> {
                            return System.identityHashCode(proxy);
                        }
                        case "equals" -> {
                            return proxy == args[0];
                        }
                        default -> throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    static String python() throws Exception {
        List<String> out = run(Duration.ofMinutes(5), root().resolve("scripts/setup-python.sh").toString());
        return out.get(out.size() - 1).trim() + "/bin/python";
    }

    /** Awa's Python side shared by every host: host-tests/fixtures/awa_py.py (worker, insert). */
    static String awaPy() {
        return root().resolve("host-tests/fixtures/awa_py.py").toString();
    }

    /** Awa's own Rust producer (awa-model insert_many), built by scripts/test-jvm.sh. */
    static String rustInsert() {
        String env = System.getenv("AWA_RUST_INSERT");
        Path p = env != null && !env.isEmpty() ? Path.of(env) : root().resolve("target/release/awa-rust-insert");
        if (!Files.isExecutable(p)) {
            throw new AssertionError(p + " is missing: cargo build --locked --release -p host-tests --bin awa-rust-insert");
        }
        return p.toString();
    }

    /** The last stdout line of a helper, parsed as a JSON object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> lastJson(List<String> out) {
        for (int i = out.size() - 1; i >= 0; i--) {
            if (!out.get(i).isBlank()) return (Map<String, Object>) Json.parse(out.get(i));
        }
        throw new AssertionError("no output");
    }

    /** Runs a command; returns its stdout lines; fails on timeout or non-zero exit. */
    static List<String> run(Duration timeout, String... cmd) throws Exception {
        Path err = Files.createTempFile("awa-jvm-test", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            byte[] out;
            Thread reader;
            final byte[][] holder = new byte[1][];
            reader = new Thread(() -> {
                try {
                    holder[0] = p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    holder[0] = new byte[0];
                }
            });
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", cmd) + "\n" + Files.readString(err));
            }
            reader.join();
            out = holder[0];
            if (p.exitValue() != 0) {
                throw new AssertionError("exit " + p.exitValue() + ": " + String.join(" ", cmd) + "\n"
                        + Files.readString(err));
            }
            return List.of(new String(out, StandardCharsets.UTF_8).split("\n"));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
