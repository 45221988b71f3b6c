package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Faults against a real PostgreSQL (queue storage) while enqueueMany (one big batch),
 * enqueueManyParallel or tryEnqueue (blocked on a concurrent holder of the key) runs: the backend
 * terminated, the statement cancelled, statement_timeout, the caller aborting its connection, the
 * TCP connection cut by a loopback proxy, the server restarted. Each time: an SQLException, never
 * a partial batch, the HikariCP pool recovers, and a unique job retried twice is stored once.
 */
@EnabledIfEnvironmentVariable(named = "DATABASE_URL", matches = ".+")
class FaultsTest {
    static final int BATCH = 10_000;
    static AwaEnqueue awa;
    static String url;
    static Connection admin;

    @BeforeAll
    static void setUp() throws Exception {
        awa = AwaEnqueue.create();
        url = TestSupport.newDb("jvm_faults", "queue_storage");
        admin = PostgresUrl.connect(url);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (admin != null) admin.close();
        if (awa != null) awa.close();
    }

    static List<Job> batch(String marker) {
        List<Job> jobs = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            Job.Builder b = Job.builder("fault_batch").argsJson("{\"marker\":\"" + marker + "\",\"i\":" + i + "}")
                    .queue("fault_" + (i % 4)).tags("a,b", "{\"x\"}");
            if (i % 3 != 0) b.orderingKey("k" + (i % 17));
            jobs.add(b.build());
        }
        return jobs;
    }

    static Job unique(String marker) {
        return Job.builder("fault_unique").argsJson("{\"marker\":\"" + marker + "\"}").queue("fault_0")
                .unique(UniqueOpts.byArgs()).build();
    }

    static HikariDataSource pool(String via) {
        URI u = URI.create(via);
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + u.getRawPath());
        if (u.getRawUserInfo() != null) c.setUsername(u.getRawUserInfo().split(":", 2)[0]);
        c.setMaximumPoolSize(4);
        c.setConnectionTimeout(30_000);
        return new HikariDataSource(c);
    }

    static int count(String kind, String marker) throws SQLException {
        try (PreparedStatement ps = admin.prepareStatement(
                "SELECT count(*) FROM awa.jobs WHERE kind = ? AND args->>'marker' = ?")) {
            ps.setString(1, kind);
            ps.setString(2, marker);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Waits until backend {@code pid} has run a statement for 150 ms; returns its wait_event_type. */
    static String whenRunning(int pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (PreparedStatement ps = admin.prepareStatement("SELECT now() - query_start > interval '150 ms', "
                    + "wait_event_type FROM pg_stat_activity WHERE pid = ? AND state = 'active' AND query NOT LIKE 'SAVEPOINT%'")) {
                ps.setInt(1, pid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) return rs.getString(2);
                }
            }
            if (System.nanoTime() > deadline) fail("backend " + pid + " never ran the statement for 150 ms");
            Thread.sleep(20);
        }
    }

    /** Waits until no other backend of the database is active (a cut statement may still finish). */
    static void settled() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity "
                    + "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'")) {
                rs.next();
                if (rs.getInt(1) == 0) return;
            }
            if (System.nanoTime() > deadline) fail("a backend is still active");
            Thread.sleep(100);
        }
    }

    static void sql(String statement, Object arg) throws SQLException {
        try (PreparedStatement ps = admin.prepareStatement(statement)) {
            ps.setObject(1, arg);
            ps.execute();
        }
    }

    interface Fault {
        void inject(int pid, Connection conn) throws Exception;
    }

    /** One batch on its own pooled connection (after {@code setup}); {@code fault} once it runs. */
    static SQLException batchUnderFault(HikariDataSource ds, String marker, String setup, Fault fault) throws Exception {
        List<Job> jobs = batch(marker);
        try (Connection conn = ds.getConnection()) {
            if (setup != null) {
                try (Statement st = conn.createStatement()) {
                    st.execute(setup);
                }
            }
            int pid = pid(conn);
            CompletableFuture<SQLException> run = CompletableFuture.supplyAsync(() -> {
                try {
                    awa.enqueueMany(conn, jobs);
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            whenRunning(pid);
            fault.inject(pid, conn);
            SQLException e = run.get(60, TimeUnit.SECONDS);
            assertNotNull(e, "the batch must fail");
            ds.evictConnection(conn); // never hand a connection that saw the fault back to the pool
            return e;
        }
    }

    /** After a fault: the pool hands out a working connection; a unique job retried twice is stored once. */
    static void recoversAndRetriesOnce(HikariDataSource ds, String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.execute("SELECT 1");
                break;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) throw e;
                Thread.sleep(200);
            }
        }
        try (Connection c = ds.getConnection()) {
            InsertResult first = awa.tryEnqueue(c, unique(marker));
            InsertResult again = awa.tryEnqueue(c, unique(marker));
            assertTrue(again.duplicate());
            long id = first.inserted() ? first.row().id() : first.existing().id();
            assertEquals(id, again.existing().id());
        }
        assertEquals(1, count("fault_unique", marker), "the unique job exists exactly once");
    }

    @Test
    void backendTerminatedMidBatch() throws Exception {
        try (HikariDataSource ds = pool(url)) {
            SQLException e = batchUnderFault(ds, "terminate", null,
                    (pid, c) -> sql("SELECT pg_terminate_backend(?)", pid));
            assertEquals("57P01", e.getSQLState(), e.toString());
            assertEquals(0, count("fault_batch", "terminate"));
            recoversAndRetriesOnce(ds, "terminate");
        }
    }

    @Test
    void cancelledAndTimedOutMidBatch() throws Exception {
        try (HikariDataSource ds = pool(url)) {
            SQLException e = batchUnderFault(ds, "cancel", null, (pid, c) -> sql("SELECT pg_cancel_backend(?)", pid));
            assertEquals("57014", e.getSQLState(), e.toString());
            assertEquals(0, count("fault_batch", "cancel"));
            e = batchUnderFault(ds, "timeout", "SET statement_timeout = '300ms'", (pid, c) -> {});
            assertEquals("57014", e.getSQLState(), e.toString());
            assertEquals(0, count("fault_batch", "timeout"));
            recoversAndRetriesOnce(ds, "cancel");
        }
    }

    @Test
    void callerAbortsItsConnectionMidBatch() throws Exception {
        try (HikariDataSource ds = pool(url)) {
            SQLException e = batchUnderFault(ds, "abort", null,
                    (pid, c) -> c.unwrap(Connection.class).abort(Runnable::run));
            assertTrue(e.getSQLState() == null || e.getSQLState().startsWith("08"), e.toString());
            settled();
            int stored = count("fault_batch", "abort");
            assertTrue(stored == 0 || stored == BATCH, "partial batch: " + stored + " of " + BATCH);
            recoversAndRetriesOnce(ds, "abort");
        }
    }

    @Test
    void tryEnqueueBlockedOnAHolderThenTerminated() throws Exception {
        try (HikariDataSource ds = pool(url); Connection holder = PostgresUrl.connect(url)) {
            holder.setAutoCommit(false);
            awa.tryEnqueue(holder, unique("blocked"));
            try (Connection conn = ds.getConnection()) {
                conn.setAutoCommit(false);
                int pid = pid(conn);
                CompletableFuture<SQLException> run = CompletableFuture.supplyAsync(() -> {
                    try {
                        awa.tryEnqueue(conn, unique("blocked"));
                        return null;
                    } catch (SQLException e) {
                        return e;
                    }
                });
                assertEquals("Lock", whenRunning(pid), "the duplicate-safe insert waits for the holder");
                sql("SELECT pg_terminate_backend(?)", pid);
                SQLException e = run.get(60, TimeUnit.SECONDS);
                assertNotNull(e);
                assertEquals("57P01", e.getSQLState(), e.toString());
                ds.evictConnection(conn);
            }
            holder.rollback();
            assertEquals(0, count("fault_unique", "blocked"));
            recoversAndRetriesOnce(ds, "blocked");
        }
    }

    @Test
    void tcpConnectionCutByAProxyMidBatch() throws Exception {
        URI target = URI.create(url);
        try (Proxy proxy = new Proxy(target.getHost(), target.getPort())) {
            String via = url.replace(target.getHost() + ":" + target.getPort(), "127.0.0.1:" + proxy.port());
            try (HikariDataSource ds = pool(via)) {
                SQLException e = batchUnderFault(ds, "cut", null, (pid, c) -> proxy.cut());
                assertTrue(e.getSQLState() == null || e.getSQLState().startsWith("08"), e.toString());
                settled();
                int stored = count("fault_batch", "cut");
                // the server may finish a statement it already received (an ambiguous commit): all or nothing
                assertTrue(stored == 0 || stored == BATCH, "partial batch: " + stored + " of " + BATCH);
                System.out.println("after the cut: " + stored + " of " + BATCH + " jobs stored (all or nothing)");
                recoversAndRetriesOnce(ds, "cut");
            }
        }
    }

    @Test
    void serverRestartedMidBatch() throws Exception {
        String data = System.getenv("AWA_ENQUEUE_PG_DATA");
        if (data == null || data.isEmpty()) fail("AWA_ENQUEUE_PG_DATA is unset: run through scripts/with-db.sh");
        try (HikariDataSource ds = pool(url)) {
            SQLException e = batchUnderFault(ds, "restart", null, (pid, c) ->
                    TestSupport.run(Duration.ofMinutes(2), TestSupport.root().resolve("scripts/pg-ctl.sh").toString(), "restart"));
            System.out.println("batch error after restart: " + e.getSQLState() + " " + e.getMessage());
            try {
                admin.close();
            } catch (SQLException ignored) {
                // the restart ended it
            }
            admin = PostgresUrl.connect(url);
            assertEquals(0, count("fault_batch", "restart"));
            recoversAndRetriesOnce(ds, "restart");
        }
    }

    @Test
    void aPartTerminatedInAParallelBatch() throws Exception {
        try (HikariDataSource ds = pool(url)) {
            List<Job> jobs = batch("parallel");
            CompletableFuture<Object> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return awa.enqueueManyParallel(ds, jobs, 4);
                } catch (SQLException e) {
                    return e;
                }
            });
            int victim = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (victim < 0) {
                try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_activity "
                        + "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' "
                        + "AND now() - query_start > interval '150 ms' ORDER BY pid LIMIT 1")) {
                    if (rs.next()) victim = rs.getInt(1);
                }
                if (System.nanoTime() > deadline) fail("no part ran for 150 ms");
                Thread.sleep(20);
            }
            sql("SELECT pg_terminate_backend(?)", victim);
            Object outcome = run.get(120, TimeUnit.SECONDS);
            assertTrue(outcome instanceof EnqueuePartsException, String.valueOf(outcome));
            ParallelResult r = ((EnqueuePartsException) outcome).result();
            int stored = 0, failed = 0;
            for (ParallelResult.Part p : r.parts()) {
                if (p.committed()) stored += p.jobs().size();
                else failed++;
            }
            assertEquals(1, failed, "exactly the terminated part failed");
            settled();
            assertEquals(stored, count("fault_batch", "parallel"), "the committed parts and nothing of the failed one");
            recoversAndRetriesOnce(ds, "parallel");
        }
    }

    @Test
    void sanityWithoutAFault() throws Exception {
        try (HikariDataSource ds = pool(url); Connection c = ds.getConnection()) {
            assertEquals(BATCH, awa.enqueueMany(c, batch("none")).size());
            assertEquals(BATCH, count("fault_batch", "none"));
        }
    }

    /** A loopback TCP proxy whose connections the test can cut. */
    static final class Proxy implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

        Proxy(String host, int port) throws Exception {
            Thread accept = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket down = server.accept();
                        Socket up = new Socket(host, port);
                        sockets.add(down);
                        sockets.add(up);
                        pipe(down, up);
                        pipe(up, down);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void pipe(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[65536];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    for (int n; (n = in.read(buf)) >= 0; ) out.write(buf, 0, n);
                } catch (Exception ignored) {
                    // cut
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            });
            t.setDaemon(true);
            t.start();
        }

        void cut() {
            for (Socket s : sockets) closeQuietly(s);
            sockets.clear();
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (Exception ignored) {
                // already closed
            }
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
            cut();
        }
    }
}
