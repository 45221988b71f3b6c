package dev.awa.enqueue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

    /** The shared comparison rules: ok fields equal (run_at as an instant), errors by code and field. */
    @SuppressWarnings("unchecked")
    static String diff(String expectedLine, String actualLine) {
        Map<String, Object> e = (Map<String, Object>) Json.parse(expectedLine);
        Map<String, Object> a = (Map<String, Object>) Json.parse(actualLine);
        if (!Objects.equals(e.get("id"), a.get("id"))) return "id " + a.get("id") + " vs " + e.get("id");
        if (e.containsKey("error")) {
            if (!a.containsKey("error")) return "expected error " + e.get("error") + ", got " + actualLine;
            Map<String, Object> ee = (Map<String, Object>) e.get("error"), ae = (Map<String, Object>) a.get("error");
            if (!Objects.equals(ee.get("code"), ae.get("code")) || !Objects.equals(ee.get("field"), ae.get("field"))) {
                return "expected error " + ee.get("code") + "/" + ee.get("field") + ", got " + ae;
            }
            return null;
        }
        if (!a.containsKey("ok")) return "expected ok, got " + actualLine;
        Map<String, Object> eo = (Map<String, Object>) e.get("ok"), ao = (Map<String, Object>) a.get("ok");
        if (!eo.keySet().equals(ao.keySet())) return "fields differ: " + eo.keySet() + " vs " + ao.keySet();
        for (String k : eo.keySet()) {
            Object ev = eo.get(k), av = ao.get(k);
            boolean same = k.equals("run_at") && ev != null && av != null
                    ? instant((String) ev).equals(instant((String) av))
                    : Objects.equals(ev, av);
            if (!same) return k + ": expected " + ev + ", got " + av;
        }
        return null;
    }

    private static Instant instant(String s) {
        return OffsetDateTime.parse(s).toInstant();
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


    static String python() throws Exception {
        List<String> out = run(Duration.ofMinutes(5), root().resolve("scripts/setup-python.sh").toString());
        return out.get(out.size() - 1).trim() + "/bin/python";
    }

    /** Awa's Python side shared by every host: scripts/awa_py.py (worker, insert). */
    static String awaPy() {
        return root().resolve("scripts/awa_py.py").toString();
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
