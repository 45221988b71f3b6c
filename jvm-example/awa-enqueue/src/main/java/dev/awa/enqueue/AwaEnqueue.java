package dev.awa.enqueue;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Builds Awa enqueue requests with the awa-enqueue core module (Awa 0.6.9's
 * {@code insert_job_compat} contract) and runs them over JDBC.
 *
 * <p>Thread-safe: each call borrows a module instance from a pool (an instance is
 * single-threaded), so any number of threads may call concurrently. Instances are created on
 * demand, at most {@code maxIdle} are kept, and an instance that trapped is discarded. The
 * constructor checks the module's ABI version ({@link #contract()}).
 *
 * <pre>{@code
 * try (AwaEnqueue awa = AwaEnqueue.create()) {
 *     Job job = Job.builder("send_email").args(Map.of("to", "a@b.c")).unique(UniqueOpts.byArgs()).build();
 *     JobRow row = awa.enqueue(connection, job);
 * }
 * }</pre>
 */
public final class AwaEnqueue implements AutoCloseable {
    /** Awa's unique-violation constraint name. */
    public static final String UNIQUE_CONSTRAINT = "idx_awa_jobs_unique";
    /** SQLSTATE unique_violation. */
    public static final String UNIQUE_VIOLATION = "23505";

    private final ConcurrentLinkedDeque<CoreInstance> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final int maxIdle;
    private final Contract contract;
    private final String insertSql;
    private final String schemaCheckSql;
    private final UniqueOpts uniqueDefaults;
    private volatile boolean closed;

    private AwaEnqueue(int maxIdle) {
        this.maxIdle = maxIdle;
        CoreInstance first = new CoreInstance();
        Contract c = first.contractInfo();
        if (c.abiVersion() != CoreInstance.ABI_VERSION) {
            throw new AwaEnqueueException("abi_mismatch", "", "core module speaks ABI " + c.abiVersion()
                    + ", this library was written for ABI " + CoreInstance.ABI_VERSION);
        }
        this.contract = c;
        this.insertSql = first.insertSql();
        this.schemaCheckSql = first.schemaCheckSql();
        this.uniqueDefaults = first.defaultUniqueOpts();
        first.uniqueDefaults = uniqueDefaults;
        release(first);
    }

    /** A builder with a default pool size of 2 x available processors idle instances. */
    public static AwaEnqueue create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int maxIdle = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());

        /** Maximum number of idle module instances kept for reuse (more are created under load). */
        public Builder maxIdleInstances(int n) {
            if (n < 1) throw new IllegalArgumentException("maxIdleInstances must be >= 1");
            maxIdle = n;
            return this;
        }

        public AwaEnqueue build() {
            return new AwaEnqueue(maxIdle);
        }
    }

    // ---- pool --------------------------------------------------------------------------------

    <T> T with(Function<CoreInstance, T> f) {
        if (closed) throw new IllegalStateException("AwaEnqueue is closed");
        CoreInstance inst = idle.pollFirst();
        if (inst != null) idleCount.decrementAndGet();
        else {
            inst = new CoreInstance();
            inst.uniqueDefaults = uniqueDefaults;
        }
        try {
            return f.apply(inst);
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

    /** The contract the module speaks (checked at construction: ABI version 1). */
    public Contract contract() {
        return contract;
    }

    /**
     * Awa's default uniqueness options as the core reports them ({@code default-unique-opts}),
     * every field set. Unset {@link UniqueOpts} fields take these values.
     */
    public UniqueOpts defaultUniqueOpts() {
        return uniqueDefaults;
    }

    /** Validates a job and derives the 12 {@code insert_job_compat} parameters. */
    public Prepared prepare(Job job) {
        return with(i -> i.prepare(job));
    }

    /** All or nothing: the first bad job fails the batch (field {@code jobs[i]...}). */
    public List<Prepared> prepareMany(List<Job> jobs) {
        return with(i -> i.prepareMany(jobs));
    }

    /** SQL for one job with its 12 typed parameters. */
    public InsertStatement buildInsert(Job job) {
        return new InsertStatement(insertSql, List.of(prepare(job)));
    }

    /** One atomic statement inserting every job, rows returned in job order. */
    public InsertStatement buildInsertMany(List<Job> jobs) {
        return with(i -> {
            List<Prepared> prepared = i.prepareMany(jobs);
            return new InsertStatement(i.insertManySql(jobs.size()), prepared);
        });
    }

    /** SQL for one job; bind the 12 prepared values as $1..$12. */
    public String insertSql() {
        return insertSql;
    }

    public String insertManySql(int rows) {
        if (rows < 0) throw new AwaEnqueueException("invalid_argument", "rows", "rows is a u32, got " + rows);
        return with(i -> i.insertManySql(rows));
    }

    /** Canonical JSON text (what Awa hashes) for any spelling of a JSON value. */
    public String canonicalJson(String json) {
        return with(i -> i.canonicalJson(json));
    }

    /** The 16-byte unique key; null parts are left out (by_queue / by_args / by_period off). */
    public byte[] uniqueKey(String kind, String queue, String argsJson, Long periodBucket) {
        return with(i -> i.uniqueKey(kind, queue, argsJson, periodBucket));
    }

    /** {@code bit(8)} text for a u8 state mask, leftmost character = scheduled. */
    public String uniqueStatesBits(int mask) {
        if (mask < 0 || mask > 255) throw new AwaEnqueueException("invalid_argument", "mask", "mask is a u8, got " + mask);
        return with(i -> i.uniqueStatesBits(mask));
    }

    /** State mask from Awa state names ({@code scheduled}, {@code available}, ...). */
    public int uniqueStatesMask(Collection<String> states) {
        return with(i -> i.uniqueStatesMask(states));
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

    /** Enqueue shard for a queue with {@code shards} enqueue shards (an s16; 0 when shards <= 1). */
    public int shardForOrderingKey(byte[] key, int shards) {
        if (shards < Short.MIN_VALUE || shards > Short.MAX_VALUE) {
            throw new AwaEnqueueException("invalid_argument", "shards", "shards is an s16, got " + shards);
        }
        return with(i -> i.shardForOrderingKey(key, (short) shards));
    }

    /** PartitionedQueue hash, unsigned 64-bit in a long. */
    public long partitionHash64(byte[] key) {
        return with(i -> i.partitionHash64(key));
    }

    /** The physical queue for {@code key}; send {@code key} as the job's ordering key too. */
    public Partition partitionForKey(String logicalQueue, long partitions, byte[] key) {
        if (partitions < 0 || partitions > 0xffff_ffffL) {
            throw new AwaEnqueueException("invalid_argument", "partitions", "partitions is a u32, got " + partitions);
        }
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

    /** One-row query reporting the database's Awa schema; see {@link #checkSchema(Integer, String)}. */
    public String schemaCheckSql() {
        return schemaCheckSql;
    }

    /** Interprets the row of {@link #schemaCheckSql()}; throws schema_* / function_* errors. */
    public SchemaStatus checkSchema(Integer schemaVersion, String functionArguments) {
        return with(i -> i.checkSchema(schemaVersion, functionArguments));
    }

    // ---- JDBC helpers ------------------------------------------------------------------------

    /** Runs the schema check query on {@code conn} and interprets it. */
    public SchemaStatus checkSchema(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(schemaCheckSql)) {
            if (!rs.next()) throw new SQLException("schema check query returned no row");
            int v = rs.getInt(1);
            Integer version = rs.wasNull() ? null : v;
            return checkSchema(version, rs.getString(2));
        }
    }

    /** Inserts one job in the connection's current transaction and returns the inserted row. */
    public JobRow enqueue(Connection conn, Job job) throws SQLException {
        return execute(conn, buildInsert(job)).get(0);
    }

    /** Inserts every job in one atomic statement; rows in job order. */
    public List<JobRow> enqueueMany(Connection conn, List<Job> jobs) throws SQLException {
        return execute(conn, buildInsertMany(jobs));
    }

    /** Runs an insert statement built by this class and returns its rows. */
    public static List<JobRow> execute(Connection conn, InsertStatement insert) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(insert.jdbcSql())) {
            insert.bind(ps);
            List<JobRow> rows = new ArrayList<>(insert.jobs().size());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) rows.add(JobRow.from(rs));
            }
            return rows;
        }
    }

    /**
     * Inserts one job; a unique conflict returns empty instead of failing. Inside a transaction
     * (auto-commit off) the insert runs under a savepoint, so a duplicate does not abort the
     * caller's transaction. Other errors propagate.
     */
    public Optional<JobRow> tryEnqueue(Connection conn, Job job) throws SQLException {
        InsertStatement insert = buildInsert(job);
        if (conn.getAutoCommit()) {
            try {
                return Optional.of(execute(conn, insert).get(0));
            } catch (SQLException e) {
                if (isUniqueConflict(e)) return Optional.empty();
                throw e;
            }
        }
        Savepoint sp = conn.setSavepoint();
        try {
            JobRow row = execute(conn, insert).get(0);
            conn.releaseSavepoint(sp);
            return Optional.of(row);
        } catch (SQLException e) {
            conn.rollback(sp);
            if (isUniqueConflict(e)) return Optional.empty();
            throw e;
        }
    }

    /**
     * True when {@code e} is Awa's duplicate-job error: SQLSTATE 23505 on constraint
     * {@code idx_awa_jobs_unique}. The constraint name comes from the PostgreSQL driver's server
     * error message when it exposes one (pgjdbc's {@code PSQLException}); other drivers fall back
     * to the constraint name in the message text.
     */
    public static boolean isUniqueConflict(SQLException e) {
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
