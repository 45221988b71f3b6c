package dev.awa.enqueue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import dev.awa.enqueue.internal.CoreModule;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Builds Awa enqueue requests with the awa-enqueue core module (Awa 0.6.9's
 * {@code insert_job_compat} contract) and runs them over JDBC. Every derived value, default,
 * check, SQL text and bind value comes from the core; this class marshals values and talks JDBC.
 *
 * <p>Thread-safe: each call borrows a module instance from a pool (an instance is
 * single-threaded), so any number of threads may call concurrently. Instances are created on
 * demand, at most {@code maxIdle} are kept, and an instance that trapped is discarded. The
 * constructor checks the module's exports against the generated layout and its ABI version
 * ({@link #contract()}).
 *
 * <pre>{@code
 * try (AwaEnqueue awa = AwaEnqueue.create()) {
 *     Job job = Job.builder("send_email").args(Map.of("to", "a@b.c")).unique(UniqueOpts.byArgs()).build();
 *     InsertResult r = awa.tryEnqueue(connection, job);
 * }
 * }</pre>
 */
public final class AwaEnqueue implements AutoCloseable {
    /** Awa's unique-violation constraint name. */
    public static final String UNIQUE_CONSTRAINT = "idx_awa_jobs_unique";
    /** SQLSTATE unique_violation. */
    public static final String UNIQUE_VIOLATION = "23505";
    /** The bind of {@code prepared.binds} that holds the unique key (the one bind of existing-job-sql). */
    private static final int UNIQUE_KEY_BIND = 9;

    private final WasmModule module;
    private final Function<Instance, Machine> machine;
    private final ConcurrentLinkedDeque<CoreInstance> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final int maxIdle;
    private final Contract contract;
    private final String[] insertSql = new String[Placeholders.values().length];
    private final String[] tryInsertSql = new String[Placeholders.values().length];
    private final String[] existingJobSql = new String[Placeholders.values().length];
    private final String[] insertManySql = new String[Placeholders.values().length];
    private final String schemaCheckSql;
    /** The current context's traceparent (opt-in, OpenTelemetry present), or null. */
    private final Supplier<String> traceparentSource;
    private volatile boolean closed;

    private AwaEnqueue(int maxIdle, WasmModule module, Function<Instance, Machine> machine,
            Supplier<String> traceparentSource) {
        this.maxIdle = maxIdle;
        this.traceparentSource = traceparentSource;
        this.module = module;
        this.machine = machine;
        CoreInstance.verify(module);
        CoreInstance first = new CoreInstance(module, machine);
        Contract c = first.contractInfo();
        if (c.abiVersion() != CoreInstance.ABI_VERSION) {
            throw CoreInstance.abiMismatch("the core module speaks ABI " + c.abiVersion()
                    + ", this library was written for ABI " + CoreInstance.ABI_VERSION);
        }
        this.contract = c;
        for (Placeholders p : Placeholders.values()) {
            insertSql[p.ordinal()] = first.insertSql(p.wit);
            tryInsertSql[p.ordinal()] = first.tryInsertSql(p.wit);
            existingJobSql[p.ordinal()] = first.existingJobSql(p.wit);
            insertManySql[p.ordinal()] = first.insertManySql(p.wit);
        }
        this.schemaCheckSql = first.schemaCheckSql();
        release(first);
    }

    /** The committed core module, compiled to JVM bytecode at build time; 2 x processors idle instances. */
    public static AwaEnqueue create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Another core module, run by Chicory's interpreter (tests: a module speaking another ABI). */
    static AwaEnqueue forModule(WasmModule module) {
        return new AwaEnqueue(1, module, null, null);
    }

    public static final class Builder {
        private int maxIdle = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());
        private boolean traceContext;

        /** Maximum number of idle module instances kept for reuse (more are created under load). */
        public Builder maxIdleInstances(int n) {
            if (n < 1) throw new IllegalArgumentException("maxIdleInstances must be >= 1");
            maxIdle = n;
            return this;
        }

        /**
         * Off by default. When on and io.opentelemetry.api is on the classpath, a job without a
         * traceparent gets the current context's ({@code GlobalOpenTelemetry}'s propagator, W3C
         * {@code traceparent} key); a job's own traceparent or an {@code awa:traceparent}
         * metadata key wins. Without OpenTelemetry on the classpath it does nothing.
         */
        public Builder traceContext(boolean on) {
            traceContext = on;
            return this;
        }

        public AwaEnqueue build() {
            Supplier<String> trace = traceContext && otelAvailable() ? OtelTraceparent::current : null;
            return new AwaEnqueue(maxIdle, CoreModule.load(), CoreModule::create, trace);
        }
    }

    /** True when the OpenTelemetry API classes {@link OtelTraceparent} uses can be loaded. */
    static boolean otelAvailable() {
        for (String name : new String[] {"io.opentelemetry.api.GlobalOpenTelemetry", "io.opentelemetry.context.Context",
                "io.opentelemetry.context.propagation.TextMapSetter"}) {
            try {
                Class.forName(name, false, AwaEnqueue.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        }
        return true;
    }

    /** True when jobs get the current trace context (opted in and OpenTelemetry present). */
    boolean tracesContext() {
        return traceparentSource != null;
    }

    /** {@code job}, with the current context's traceparent when opted in and it has none. */
    private Job traced(Job job) {
        if (traceparentSource == null || job.traceparent() != null) return job;
        String tp = traceparentSource.get();
        return tp == null ? job : job.toBuilder().traceparent(tp).build();
    }

    private List<Job> traced(List<Job> jobs) {
        List<Job> copy = List.copyOf(jobs);
        if (traceparentSource == null) return copy;
        List<Job> out = new ArrayList<>(copy.size());
        for (Job j : copy) out.add(traced(j));
        return out;
    }

    // ---- pool --------------------------------------------------------------------------------

    <T> T with(Function<CoreInstance, T> f) {
        if (closed) throw new IllegalStateException("AwaEnqueue is closed");
        CoreInstance inst = idle.pollFirst();
        if (inst != null) idleCount.decrementAndGet();
        else inst = new CoreInstance(module, machine);
        try {
            return f.apply(inst);
        } catch (ChicoryException e) {
            throw inst.trapped(e); // a fault while reading or writing guest memory
        } catch (RuntimeException e) {
            if (!(e instanceof AwaEnqueueException)) inst.broken = true; // never reuse a half-written instance
            throw e;
        } finally {
            release(inst);
        }
    }

    private void release(CoreInstance inst) {
        if (inst.broken || closed) return;
        if (idleCount.incrementAndGet() <= maxIdle) idle.offerFirst(inst);
        else idleCount.decrementAndGet();
    }

    /** Number of idle instances currently pooled. */
    int idleInstances() {
        return idleCount.get();
    }

    /** Largest linear memory (pages) among idle instances. */
    int maxIdlePages() {
        return idle.stream().mapToInt(CoreInstance::pages).max().orElse(0);
    }

    @Override
    public void close() {
        closed = true;
        idle.clear();
        idleCount.set(0);
    }

    // ---- contract and derivations ------------------------------------------------------------

    /** The contract the module speaks (checked at construction: ABI version 2). */
    public Contract contractInfo() {
        return contract;
    }

    /**
     * {@link #contractInfo}.
     *
     * @deprecated use {@link #contractInfo}, the name every awa-enqueue host uses
     */
    @Deprecated
    public Contract contract() {
        return contract;
    }

    /** Validates a job and derives the 12 {@code insert_job_compat} values and their text binds. */
    public Prepared prepare(Job job) {
        Job j = traced(job);
        return with(i -> i.prepare(j));
    }

    /** All or nothing: the first bad job fails the batch (field {@code jobs[i]...}). */
    public List<Prepared> prepareMany(List<Job> jobs) {
        List<Job> copy = traced(jobs);
        return with(i -> i.prepareMany(copy));
    }

    /** SQL for one job ({@code ?} placeholders) and its 12 text binds. */
    public InsertStatement buildInsert(Job job) {
        return new InsertStatement(insertSql(Placeholders.QUESTION), prepare(job).binds());
    }

    /**
     * Duplicate-safe SQL for one job: one row with {@code inserted} true and the new job, or
     * {@code inserted} false and the job holding the unique key (no row when it is not visible).
     */
    public InsertStatement buildTryInsert(Job job) {
        return new InsertStatement(tryInsertSql(Placeholders.QUESTION), prepare(job).binds());
    }

    /** One atomic statement inserting every job (any number), rows returned in job order. */
    public InsertStatement buildInsertMany(List<Job> jobs) {
        return new InsertStatement(insertManySql(Placeholders.QUESTION), insertManyBinds(jobs));
    }

    /** SQL for one job; bind {@link Prepared#binds()}, all as text. */
    public String insertSql(Placeholders placeholders) {
        return insertSql[placeholders.ordinal()];
    }

    /** Duplicate-safe SQL for one job (see {@link #buildTryInsert}); the same binds as insert-sql. */
    public String tryInsertSql(Placeholders placeholders) {
        return tryInsertSql[placeholders.ordinal()];
    }

    /** SQL returning the job holding a unique key; one text bind, {@code prepared.binds().get(9)}. */
    public String existingJobSql(Placeholders placeholders) {
        return existingJobSql[placeholders.ordinal()];
    }

    /** SQL for any number of jobs in one statement; bind {@link #insertManyBinds}. */
    public String insertManySql(Placeholders placeholders) {
        return insertManySql[placeholders.ordinal()];
    }

    /** The 13 text binds of insert-many-sql for {@code jobs}, all or nothing (field {@code jobs[i]...}). */
    public List<String> insertManyBinds(List<Job> jobs) {
        List<Job> copy = traced(jobs);
        return with(i -> i.insertManyBinds(copy));
    }

    /** Canonical JSON text (what Awa hashes) for any spelling of a JSON value. */
    public String canonicalJson(String json) {
        return with(i -> i.canonicalJson(json));
    }

    /** The 16-byte unique key; null parts are left out (by_queue / by_args / by_period off). */
    public byte[] uniqueKey(String kind, String queue, String argsJson, Long periodBucket) {
        return with(i -> i.uniqueKey(kind, queue, argsJson, periodBucket));
    }

    /** {@code bit(8)} text for a state mask (0..255), leftmost character = scheduled. */
    public String uniqueStatesBits(int mask) {
        return with(i -> i.uniqueStatesBits(mask));
    }

    /** State mask from Awa state names ({@code scheduled}, {@code available}, ...). */
    public int uniqueStatesMask(Collection<String> states) {
        List<String> copy = List.copyOf(states);
        return with(i -> i.uniqueStatesMask(copy));
    }

    /** floor(epoch-seconds / period-seconds), Awa's by_period convention. */
    public long periodBucket(long epochSeconds, long periodSeconds) {
        return with(i -> i.periodBucket(epochSeconds, periodSeconds));
    }

    public long periodBucket(Instant at, Duration period) {
        return periodBucket(at.getEpochSecond(), period.getSeconds());
    }

    /** ADR-025 ordering hash, an unsigned 64-bit value in a long (use Long.toUnsignedString). */
    public long orderingKeyHash64(byte[] key) {
        return with(i -> i.orderingKeyHash64(key));
    }

    /** Enqueue shard for a queue with {@code shards} enqueue shards (-32768..32767; 0 when {@code shards <= 1}). */
    public int shardForOrderingKey(byte[] key, int shards) {
        return with(i -> i.shardForOrderingKey(key, shards));
    }

    /** PartitionedQueue hash, unsigned 64-bit in a long. */
    public long partitionHash64(byte[] key) {
        return with(i -> i.partitionHash64(key));
    }

    /** The physical queue for {@code key} (partitions 0..4294967295); send {@code key} as the job's ordering key too. */
    public Partition partitionForKey(String logicalQueue, long partitions, byte[] key) {
        return with(i -> i.partitionForKey(logicalQueue, partitions, key));
    }

    /** Awa's CamelCase to snake_case kind rule. */
    public String kindFromTypeName(String name) {
        return with(i -> i.kindFromTypeName(name));
    }

    /** The kind Awa derives for a class name (its simple name). */
    public String kindOf(Class<?> type) {
        return kindFromTypeName(type.getSimpleName());
    }

    /** One-row query reporting the database's Awa schema; see {@link #checkSchemaRow}. */
    public String schemaCheckSql() {
        return schemaCheckSql;
    }

    /** Interprets the row of {@link #schemaCheckSql()}; throws schema_* / function_* errors. */
    public SchemaStatus checkSchemaRow(Integer schemaVersion, String functionArguments) {
        return with(i -> i.checkSchema(schemaVersion, functionArguments));
    }

    /**
     * {@link #checkSchemaRow}.
     *
     * @deprecated use {@link #checkSchemaRow}, the name every awa-enqueue host uses
     */
    @Deprecated
    public SchemaStatus checkSchema(Integer schemaVersion, String functionArguments) {
        return checkSchemaRow(schemaVersion, functionArguments);
    }

    // ---- JDBC helpers ------------------------------------------------------------------------

    /** Runs the schema check query on {@code conn} and interprets it. */
    public SchemaStatus checkSchema(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(schemaCheckSql)) {
            if (!rs.next()) throw new SQLException("schema check query returned no row");
            int v = rs.getInt(1);
            Integer version = rs.wasNull() ? null : v;
            return checkSchemaRow(version, rs.getString(2));
        }
    }

    /**
     * Inserts one job in the connection's current transaction and returns the inserted row. A
     * duplicate fails the statement (SQLSTATE 23505, see {@link #isUniqueConflict}); use
     * {@link #tryEnqueue} for duplicate-safe inserts.
     */
    public JobRow enqueue(Connection conn, Job job) throws SQLException {
        return query(conn, insertSql(Placeholders.QUESTION), prepare(job).binds()).get(0);
    }

    /** Inserts every job in one atomic statement; rows in job order. */
    public List<JobRow> enqueueMany(Connection conn, List<Job> jobs) throws SQLException {
        return query(conn, insertManySql(Placeholders.QUESTION), insertManyBinds(jobs));
    }

    /**
     * Inserts {@code jobs} in at most {@code parts} statements run concurrently, each on its own
     * connection of {@code dataSource} (one thread per part, for the call). <b>Atomic per part, not
     * per batch</b>: each part is its own transaction, and a failed part stores none of its jobs
     * while the others commit ({@link EnqueuePartsException}, with every part's outcome). The core
     * makes the parts: whole queues per part in queue storage (parts share no lane locks),
     * contiguous slices in canonical storage; the storage engine is read once per data source.
     * Invalid input (also {@code parts < 1}: {@code invalid_parts}) throws
     * {@link AwaEnqueueException} before anything is sent. A connection with auto-commit off is
     * committed (or rolled back) by the part.
     */
    public ParallelResult enqueueManyParallel(DataSource dataSource, List<Job> jobs, int parts) throws SQLException {
        if (dataSource == null) throw new NullPointerException("dataSource");
        String engine = storageEngine(dataSource);
        int split = "queue_storage".equals(engine) ? Layout.BATCH_SPLIT_BY_QUEUE : Layout.BATCH_SPLIT_CONTIGUOUS;
        List<Job> copy = traced(jobs);
        List<CoreInstance.BatchPart> batchParts = with(i -> i.insertManyParts(copy, Math.max(parts, 0), split));
        String sql = insertManySql(Placeholders.QUESTION);
        List<CompletableFuture<List<JobRow>>> running = new ArrayList<>();
        ExecutorService threads = batchParts.size() < 2 ? null : Executors.newFixedThreadPool(batchParts.size(), r -> {
            Thread t = new Thread(r, "awa-enqueue-part");
            t.setDaemon(true);
            return t;
        });
        try {
            for (CoreInstance.BatchPart p : batchParts) {
                Callable<List<JobRow>> part = () -> runPart(dataSource, sql, p.binds(), p.jobs().size());
                running.add(threads == null ? completed(part) : CompletableFuture.supplyAsync(() -> {
                    try {
                        return part.call();
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                }, threads));
            }
        } finally {
            if (threads != null) threads.shutdown();
        }
        JobRow[] rows = new JobRow[copy.size()];
        List<ParallelResult.Part> outcomes = new ArrayList<>();
        int failed = 0;
        boolean interrupted = false;
        for (int k = 0; k < batchParts.size(); k++) {
            List<Integer> positions = batchParts.get(k).jobs();
            List<JobRow> got = null;
            SQLException error = null;
            while (true) {
                try {
                    got = running.get(k).get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the part's statement is already on the wire: wait for its outcome
                } catch (ExecutionException e) {
                    error = asSqlException(e.getCause());
                    break;
                }
            }
            if (error == null) {
                for (int r = 0; r < positions.size(); r++) rows[positions.get(r)] = got.get(r);
            } else {
                failed++;
            }
            outcomes.add(new ParallelResult.Part(positions, got, error));
        }
        if (interrupted) Thread.currentThread().interrupt();
        ParallelResult result = new ParallelResult(Collections.unmodifiableList(Arrays.asList(rows)),
                List.copyOf(outcomes));
        if (failed > 0) throw new EnqueuePartsException(result, failed);
        return result;
    }

    private static CompletableFuture<List<JobRow>> completed(Callable<List<JobRow>> part) {
        try {
            return CompletableFuture.completedFuture(part.call());
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static SQLException asSqlException(Throwable t) {
        if (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        return t instanceof SQLException s ? s : new SQLException("a part failed: " + t, t);
    }

    private static List<JobRow> runPart(DataSource ds, String sql, List<String> binds, int jobs) throws SQLException {
        try (Connection conn = ds.getConnection()) {
            boolean autoCommit = conn.getAutoCommit();
            try {
                List<JobRow> rows = query(conn, sql, binds);
                if (rows.size() != jobs) {
                    throw new SQLException("a part returned " + rows.size() + " rows for " + jobs + " jobs");
                }
                if (!autoCommit) conn.commit();
                return rows;
            } catch (SQLException | RuntimeException e) {
                if (!autoCommit) {
                    try {
                        conn.rollback();
                    } catch (SQLException rollback) {
                        e.addSuppressed(rollback);
                    }
                }
                throw e;
            }
        }
    }

    /** Storage engines per data source: a database only moves from canonical to queue storage. */
    private final Map<DataSource, String> engines = Collections.synchronizedMap(new WeakHashMap<>());

    private String storageEngine(DataSource ds) throws SQLException {
        String known = engines.get(ds);
        if (known != null) return known;
        String sql = with(CoreInstance::storageEngineSql);
        try (Connection conn = ds.getConnection(); Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            String engine = rs.getString(1);
            if (!conn.getAutoCommit()) conn.commit();
            engines.put(ds, engine);
            return engine;
        }
    }

    /** Runs a statement built by this class and returns its rows. */
    public static List<JobRow> execute(Connection conn, InsertStatement statement) throws SQLException {
        return query(conn, statement.sql(), statement.binds());
    }

    /**
     * Inserts one job unless a job already holds its unique key; a duplicate is a normal result
     * ({@link InsertResult#duplicate()}, with the job holding the key when it is visible). Uses
     * the core's try-insert SQL, which does not fail on a duplicate it can see. A duplicate
     * committed concurrently after the statement's snapshot still fails the insert with
     * SQLSTATE 23505; then the job is looked up with the core's existing-job SQL. With
     * auto-commit off the insert runs under a savepoint, so that case rolls back only the
     * savepoint and the caller's transaction goes on; with auto-commit on, no savepoint is used.
     * Other errors propagate.
     */
    public InsertResult tryEnqueue(Connection conn, Job job) throws SQLException {
        List<String> binds = prepare(job).binds();
        String sql = tryInsertSql(Placeholders.QUESTION);
        if (conn.getAutoCommit()) {
            try {
                return tryInsert(conn, sql, binds);
            } catch (SQLException e) {
                if (!isUniqueConflict(e)) throw e;
                return InsertResult.duplicateOf(existing(conn, binds));
            }
        }
        Savepoint sp = conn.setSavepoint();
        InsertResult r;
        try {
            r = tryInsert(conn, sql, binds);
        } catch (SQLException e) {
            try {
                conn.rollback(sp);
                conn.releaseSavepoint(sp);
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
                throw e;
            }
            if (!isUniqueConflict(e)) throw e;
            return InsertResult.duplicateOf(existing(conn, binds));
        }
        conn.releaseSavepoint(sp);
        return r;
    }

    private static InsertResult tryInsert(Connection conn, String sql, List<String> binds) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            InsertStatement.bind(ps, binds);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return InsertResult.duplicateOf(null);
                JobRow row = JobRow.from(rs);
                return rs.getBoolean("inserted") ? InsertResult.inserted(row) : InsertResult.duplicateOf(row);
            }
        }
    }

    /** The job holding the unique key of {@code binds}, or null when it is not visible. */
    private JobRow existing(Connection conn, List<String> binds) throws SQLException {
        List<JobRow> rows = query(conn, existingJobSql(Placeholders.QUESTION), java.util.Collections.singletonList(
                binds.get(UNIQUE_KEY_BIND)));
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static List<JobRow> query(Connection conn, String sql, List<String> binds) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            InsertStatement.bind(ps, binds);
            List<JobRow> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) rows.add(JobRow.from(rs));
            }
            return rows;
        }
    }

    /**
     * True when {@code e} is Awa's duplicate-job error: SQLSTATE 23505 on constraint
     * {@code idx_awa_jobs_unique}. The constraint name comes from the PostgreSQL driver's server
     * error message when it exposes one (pgjdbc's {@code PSQLException}); other drivers fall back
     * to the constraint name in the message text.
     */
    public static boolean isUniqueConflict(SQLException e) {
        if (e instanceof EnqueuePartsException parts) {
            return parts.result().parts().stream().anyMatch(p -> p.error() != null && isUniqueConflict(p.error()));
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && UNIQUE_VIOLATION.equals(s.getSQLState())) {
                String constraint = serverConstraint(s);
                if (constraint != null) return UNIQUE_CONSTRAINT.equals(constraint);
                String msg = s.getMessage();
                return msg != null && msg.contains("\"" + UNIQUE_CONSTRAINT + "\"");
            }
        }
        return false;
    }

    private static String serverConstraint(SQLException e) {
        try {
            Method m = e.getClass().getMethod("getServerErrorMessage");
            Object sem = m.invoke(e);
            if (sem == null) return null;
            return (String) sem.getClass().getMethod("getConstraint").invoke(sem);
        } catch (ReflectiveOperationException | ClassCastException ex) {
            return null;
        }
    }
}
