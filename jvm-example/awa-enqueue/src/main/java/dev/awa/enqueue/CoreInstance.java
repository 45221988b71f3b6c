package dev.awa.enqueue;

import static dev.awa.enqueue.Layout.*;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One instance of the core module and the canonical-ABI glue for its exports. Not thread-safe:
 * {@link AwaEnqueue} pools these.
 *
 * <p>Every size, alignment, field and payload offset, flat signature and export name comes from
 * {@link Layout}, generated from {@code wit/awa-enqueue.wit}. A small generic reader/writer
 * covers what the interface uses (strings, lists, options, records, results); each export is one
 * short method on top of it (a string or list is the canonical ABI's (ptr, len) pair of 32-bit
 * values). Arguments are allocated with {@code cabi_realloc} and owned (freed)
 * by the callee. A result beyond one flat value comes back through the callee's return area:
 * it is copied out into Java values, then released with the export's post-return function,
 * before anything else is called (errors are turned into exceptions only after that).
 */
final class CoreInstance {
    /** The ABI version this glue was written for; {@code contract-info} must report it. */
    static final long ABI_VERSION = 2;

    /** A {@code list<string>} element: a string (ptr, len), laid out like {@code job.tags}' elements. */
    private static final int STRING_ELEM_SIZE = JOB_TAGS_ELEM_SIZE;
    private static final int STRING_ELEM_ALIGN = JOB_TAGS_ELEM_ALIGN;
    /** A {@code list<u8>} element. */
    private static final int BYTE_ALIGN = Byte.BYTES;

    private static final String REALLOC = "cabi_realloc";
    private static final String REALLOC_PARAMS = "i32,i32,i32,i32";
    private static final String REALLOC_RESULTS = "i32";

    /** An export bound to this instance: its function and post-return (null when none). */
    private record Fn(Layout.Export layout, ExportFunction fn, ExportFunction post) {}

    private final Instance instance;
    private final Memory mem;
    private final ExportFunction realloc;
    private final Fn contractInfo, canonicalJson, uniqueKey, uniqueStatesBits, uniqueStatesMask, periodBucket,
            orderingKeyHash64, shardForOrderingKey, partitionHash64, partitionForKey, kindFromTypeName, prepare,
            prepareMany, insertSql, tryInsertSql, existingJobSql, insertManySql, insertManyBinds, insertManyParts,
            storageEngineSql, schemaCheckSql, checkSchema, fieldName, withinBatch;
    /** Set when a call trapped: the instance is discarded, never reused. */
    boolean broken;

    /** A new instance of {@code module} (already {@link #verify verified}); {@code machine} null = interpreter. */
    CoreInstance(WasmModule module, Function<Instance, Machine> machine) {
        Instance.Builder b = Instance.builder(module).withMemoryFactory(ByteArrayMemory::new);
        if (machine != null) b.withMachineFactory(machine);
        instance = b.build();
        mem = instance.memory();
        realloc = instance.export(REALLOC);
        contractInfo = bind(CONTRACT_INFO);
        canonicalJson = bind(CANONICAL_JSON);
        uniqueKey = bind(UNIQUE_KEY);
        uniqueStatesBits = bind(UNIQUE_STATES_BITS);
        uniqueStatesMask = bind(UNIQUE_STATES_MASK);
        periodBucket = bind(PERIOD_BUCKET);
        orderingKeyHash64 = bind(ORDERING_KEY_HASH64);
        shardForOrderingKey = bind(SHARD_FOR_ORDERING_KEY);
        partitionHash64 = bind(PARTITION_HASH64);
        partitionForKey = bind(PARTITION_FOR_KEY);
        kindFromTypeName = bind(KIND_FROM_TYPE_NAME);
        prepare = bind(PREPARE);
        prepareMany = bind(PREPARE_MANY);
        insertSql = bind(INSERT_SQL);
        tryInsertSql = bind(TRY_INSERT_SQL);
        existingJobSql = bind(EXISTING_JOB_SQL);
        insertManySql = bind(INSERT_MANY_SQL);
        insertManyBinds = bind(INSERT_MANY_BINDS);
        insertManyParts = bind(INSERT_MANY_PARTS);
        storageEngineSql = bind(STORAGE_ENGINE_SQL);
        schemaCheckSql = bind(SCHEMA_CHECK_SQL);
        checkSchema = bind(CHECK_SCHEMA);
        fieldName = bind(FIELD_NAME);
        withinBatch = bind(WITHIN_BATCH);
    }

    private Fn bind(Layout.Export e) {
        return new Fn(e, instance.export(e.name()), e.post().isEmpty() ? null : instance.export(e.post()));
    }

    // ---- module verification -----------------------------------------------------------------

    /**
     * Refuses (code {@code abi_mismatch}) a module that lacks an export of {@link Layout#ALL}, or
     * whose export, post-return, {@code cabi_realloc} or memory differs from the generated flat
     * signatures. Reads the module's own function types; nothing is instantiated.
     */
    static void verify(WasmModule module) {
        int imported = module.importSection().count(ExternalType.FUNCTION);
        Map<String, FunctionType> funcs = new HashMap<>();
        boolean memory = false;
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            Export e = module.exportSection().getExport(i);
            if (e.exportType() == ExternalType.MEMORY && e.name().equals("memory")) memory = true;
            if (e.exportType() != ExternalType.FUNCTION || e.index() < imported) continue;
            int type = module.functionSection().getFunctionType(e.index() - imported);
            funcs.put(e.name(), module.typeSection().getType(type));
        }
        if (!memory) throw abiMismatch("the core module exports no memory");
        expect(funcs, REALLOC, REALLOC_PARAMS, REALLOC_RESULTS);
        for (Layout.Export e : ALL) {
            expect(funcs, e.name(), e.params(), e.results());
            String post = "cabi_post_" + e.name();
            if (!e.post().isEmpty()) {
                expect(funcs, e.post(), e.results(), "");
            } else if (funcs.containsKey(post)) {
                throw abiMismatch("the core module has a post-return " + post + " this glue never calls");
            }
        }
    }

    private static void expect(Map<String, FunctionType> funcs, String name, String params, String results) {
        FunctionType t = funcs.get(name);
        if (t == null) throw abiMismatch("the core module lacks export " + name);
        String p = render(t.params()), r = render(t.returns());
        if (!p.equals(params) || !r.equals(results)) {
            throw abiMismatch(name + ": the core module has (" + p + ") -> (" + r + "), this glue expects (" + params
                    + ") -> (" + results + ")");
        }
    }

    private static String render(List<ValType> types) {
        return types.stream().map(t -> t.equals(ValType.I32) ? "i32" : t.equals(ValType.I64) ? "i64"
                : t.equals(ValType.F32) ? "f32" : t.equals(ValType.F64) ? "f64" : t.toString())
                .collect(Collectors.joining(","));
    }

    static AwaEnqueueException abiMismatch(String message) {
        return new AwaEnqueueException("abi_mismatch", "", "", message);
    }

    // ---- calls -------------------------------------------------------------------------------

    /** Memory pages, to check that memory stays bounded over many calls. */
    int pages() {
        return mem.pages();
    }

    /** Calls any export with raw core values (tests use it to provoke a trap). */
    long[] rawCall(String export, long... args) {
        return invoke(instance.export(export), args);
    }

    private long[] invoke(ExportFunction fn, long... args) {
        try {
            return fn.apply(args);
        } catch (RuntimeException | StackOverflowError e) {
            throw trapped(e);
        }
    }

    /** Marks this instance broken; the exception to throw for a trap (or a fault while reading it). */
    AwaEnqueueException trapped(Throwable e) {
        broken = true;
        return new AwaEnqueueException("module_trap", "", "", "the core module trapped: " + e, e);
    }

    /** Calls {@code f} with flat {@code args}, which must have the export's flat signature. */
    private long[] call(Fn f, Args args) {
        if (!args.types.toString().equals(f.layout.params())) {
            throw new IllegalStateException(f.layout.name() + ": glue passes (" + args.types + "), the layout says ("
                    + f.layout.params() + ")");
        }
        return invoke(f.fn, java.util.Arrays.copyOf(args.values, args.count));
    }

    /** The export's single flat result. */
    private long callValue(Fn f, Args args) {
        return call(f, args)[0];
    }

    /** A result through the return area: copied out by {@code lift}, then released by post-return. */
    private <T> T callArea(Fn f, Args args, Reader<T> lift) {
        int area = (int) callValue(f, args);
        try {
            return lift.read(area);
        } finally {
            if (f.post != null) invoke(f.post, area);
        }
    }

    /** A {@code result<T, error>} through the return area; an error is thrown after post-return. */
    private <T> T callResult(Fn f, int payload, Args args, Reader<T> ok) {
        Lifted<T> r = callArea(f, args, area -> mem.read(area) == 0 ? new Lifted<>(ok.read(area + payload), null)
                : new Lifted<>(null, getError(area + payload)));
        if (r.err != null) throw exception(r.err);
        return r.ok;
    }

    private record Lifted<T>(T ok, CoreError err) {}

    /** An error record as the core returns it (field in the contract's spelling). */
    record CoreError(String code, String field, String message) {}

    /** The exception for a core error: {@code field()} in Java's spelling from {@code field-name}. */
    AwaEnqueueException exception(CoreError e) {
        String camel = e.field.isEmpty() ? "" : fieldName(e.field, FIELD_STYLE_CAMEL);
        return new AwaEnqueueException(e.code, e.field, camel, e.message);
    }

    // ---- flat arguments ----------------------------------------------------------------------

    private interface Writer<T> {
        void write(int at, T value);
    }

    interface Reader<T> {
        T read(int at);
    }

    /** Flat core arguments of one call and their types, checked against the layout by {@link #call}. */
    private final class Args {
        long[] values = new long[16];
        int count;
        final StringBuilder types = new StringBuilder();

        private Args add(String type, long v) {
            if (count == values.length) values = java.util.Arrays.copyOf(values, 2 * count);
            values[count++] = v;
            if (types.length() > 0) types.append(',');
            types.append(type);
            return this;
        }

        Args i32(long v) {
            return add("i32", v);
        }

        Args i64(long v) {
            return add("i64", v);
        }

        Args bytes(byte[] b) {
            return i32(lowerBytes(b)).i32(b.length);
        }

        /** A string that passed {@link #loneSurrogate} (validated before anything is allocated). */
        Args string(String s) {
            return bytes(utf8(s));
        }

        Args optString(String s) {
            return s == null ? i32(0).i32(0).i32(0) : i32(1).string(s);
        }

        Args optI64(Long v) {
            return v == null ? i32(0).i64(0) : i32(1).i64(v);
        }

        Args optI32(Integer v) {
            return v == null ? i32(0).i32(0) : i32(1).i32(v);
        }

        <T> Args list(List<T> items, int elemSize, int elemAlign, Writer<T> w) {
            return i32(putElements(items, elemSize, elemAlign, w)).i32(items.size());
        }

        Args error(CoreError e) {
            return string(e.code).string(e.field).string(e.message);
        }
    }

    private Args args() {
        return new Args();
    }

    // ---- lowering into guest memory ----------------------------------------------------------

    private int alloc(int align, int size) {
        return (int) invoke(realloc, 0, 0, align, size)[0];
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private int lowerBytes(byte[] b) {
        int p = alloc(BYTE_ALIGN, b.length);
        mem.write(p, b);
        return p;
    }

    private void putBytes(int at, byte[] b) {
        mem.writeI32(at, lowerBytes(b));
        mem.writeI32(at + Integer.BYTES, b.length);
    }

    private void putString(int at, String s) {
        putBytes(at, utf8(s));
    }

    private void putBool(int at, Boolean b) {
        mem.writeByte(at, (byte) (b ? 1 : 0));
    }

    private void putU8(int at, Integer v) {
        mem.writeByte(at, v.byteValue());
    }

    private void putS64(int at, Long v) {
        mem.writeLong(at, v);
    }

    private <T> void putOption(int at, int payload, T value, Writer<T> w) {
        mem.writeByte(at, (byte) (value == null ? 0 : 1));
        if (value != null) w.write(payload, value);
    }

    private <T> int putElements(List<T> items, int elemSize, int elemAlign, Writer<T> w) {
        int p = alloc(elemAlign, elemSize * items.size());
        for (int i = 0; i < items.size(); i++) w.write(p + elemSize * i, items.get(i));
        return p;
    }

    private <T> void putList(int at, List<T> items, int elemSize, int elemAlign, Writer<T> w) {
        mem.writeI32(at, putElements(items, elemSize, elemAlign, w));
        mem.writeI32(at + Integer.BYTES, items.size());
    }

    private void putTimestamp(int at, Instant t) {
        mem.writeLong(at + TIMESTAMP_SECONDS, t.getEpochSecond());
        mem.writeI32(at + TIMESTAMP_NANOS, t.getNano());
    }

    private void putUniqueOpts(int at, UniqueOpts u) {
        putOption(at + UNIQUE_OPTS_BY_QUEUE, at + UNIQUE_OPTS_BY_QUEUE_PAYLOAD, u.isByQueue(), this::putBool);
        putOption(at + UNIQUE_OPTS_BY_ARGS, at + UNIQUE_OPTS_BY_ARGS_PAYLOAD, u.isByArgs(), this::putBool);
        putOption(at + UNIQUE_OPTS_BY_PERIOD, at + UNIQUE_OPTS_BY_PERIOD_PAYLOAD, u.byPeriod(), this::putS64);
        putOption(at + UNIQUE_OPTS_STATES, at + UNIQUE_OPTS_STATES_PAYLOAD, u.states(), this::putU8);
        putOption(at + UNIQUE_OPTS_STATE_NAMES, at + UNIQUE_OPTS_STATE_NAMES_PAYLOAD, u.stateNames(),
                (p, names) -> putList(p, names, STRING_ELEM_SIZE, STRING_ELEM_ALIGN, this::putString));
    }

    private void putJob(int at, Job j) {
        putString(at + JOB_KIND, j.kind());
        putOption(at + JOB_ARGS_JSON, at + JOB_ARGS_JSON_PAYLOAD, j.argsJson(), this::putString);
        putOption(at + JOB_QUEUE, at + JOB_QUEUE_PAYLOAD, j.queue(), this::putString);
        putOption(at + JOB_PRIORITY, at + JOB_PRIORITY_PAYLOAD, j.priority(), this::putS64);
        putOption(at + JOB_MAX_ATTEMPTS, at + JOB_MAX_ATTEMPTS_PAYLOAD, j.maxAttempts(), this::putS64);
        putOption(at + JOB_RUN_AT, at + JOB_RUN_AT_PAYLOAD, j.runAt(), this::putString);
        putOption(at + JOB_RUN_AT_TIME, at + JOB_RUN_AT_TIME_PAYLOAD, j.runAtTime(), this::putTimestamp);
        putOption(at + JOB_METADATA_JSON, at + JOB_METADATA_JSON_PAYLOAD, j.metadataJson(), this::putString);
        putList(at + JOB_TAGS, j.tags(), JOB_TAGS_ELEM_SIZE, JOB_TAGS_ELEM_ALIGN, this::putString);
        putOption(at + JOB_UNIQUE, at + JOB_UNIQUE_PAYLOAD, j.unique(), this::putUniqueOpts);
        putOption(at + JOB_ORDERING_KEY, at + JOB_ORDERING_KEY_PAYLOAD, j.orderingKeyRaw(), this::putBytes);
        putOption(at + JOB_TRACEPARENT, at + JOB_TRACEPARENT_PAYLOAD, j.traceparent(), this::putString);
    }

    // ---- lifting out of guest memory ---------------------------------------------------------

    private byte[] getBytes(int at) {
        return mem.readBytes(mem.readInt(at), mem.readInt(at + Integer.BYTES));
    }

    private String getString(int at) {
        return new String(getBytes(at), StandardCharsets.UTF_8);
    }

    private <T> T getOption(int at, int payload, Reader<T> r) {
        return mem.read(at) == 0 ? null : r.read(payload);
    }

    private <T> List<T> getList(int at, int elemSize, Reader<T> r) {
        int p = mem.readInt(at), n = mem.readInt(at + Integer.BYTES);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(r.read(p + elemSize * i));
        return out;
    }

    private CoreError getError(int at) {
        return new CoreError(getString(at + ERROR_CODE), getString(at + ERROR_FIELD), getString(at + ERROR_MESSAGE));
    }

    private Prepared getPrepared(int at) {
        return new Prepared(
                getString(at + PREPARED_KIND),
                getString(at + PREPARED_QUEUE),
                getString(at + PREPARED_ARGS_JSON),
                getString(at + PREPARED_STATE),
                mem.readShort(at + PREPARED_PRIORITY),
                mem.readShort(at + PREPARED_MAX_ATTEMPTS),
                getOption(at + PREPARED_RUN_AT, at + PREPARED_RUN_AT_PAYLOAD, this::getString),
                getString(at + PREPARED_METADATA_JSON),
                getList(at + PREPARED_TAGS, PREPARED_TAGS_ELEM_SIZE, this::getString),
                getOption(at + PREPARED_UNIQUE_KEY, at + PREPARED_UNIQUE_KEY_PAYLOAD, this::getBytes),
                getOption(at + PREPARED_UNIQUE_STATES, at + PREPARED_UNIQUE_STATES_PAYLOAD, this::getString),
                getOption(at + PREPARED_ORDERING_KEY, at + PREPARED_ORDERING_KEY_PAYLOAD, this::getBytes),
                getList(at + PREPARED_BINDS, PREPARED_BINDS_ELEM_SIZE,
                        p -> getOption(p, p + PREPARED_BINDS_ELEM_PAYLOAD, this::getString)));
    }

    // ---- host-side checks (before anything is allocated) -------------------------------------

    /** Index of the first unpaired UTF-16 surrogate in {@code s}, or -1. */
    static int loneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isSurrogate(c)) continue;
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            return i;
        }
        return -1;
    }

    static CoreError invalidArgument(String field, String message) {
        return new CoreError("invalid_argument", field, message);
    }

    /** A string UTF-8 cannot carry unchanged (getBytes would silently write '?' for it), or null. */
    static CoreError checkString(String s, String field) {
        if (s == null) return null;
        int i = loneSurrogate(s);
        return i < 0 ? null : invalidArgument(field, field + " contains an unpaired UTF-16 surrogate at index " + i
                + ", which UTF-8 cannot carry");
    }

    private static CoreError checkStrings(List<String> items, String field) {
        for (int i = 0; i < items.size(); i++) {
            CoreError e = checkString(items.get(i), field + "[" + i + "]");
            if (e != null) return e;
        }
        return null;
    }

    static CoreError checkRange(long v, long min, long max, String field) {
        return v >= min && v <= max ? null
                : invalidArgument(field, field + " must be between " + min + " and " + max + ", got " + v);
    }

    /** The first host-side problem of a job (contract field names, in the core's check order), or null. */
    private static CoreError checkJob(Job j) {
        CoreError e = checkString(j.kind(), "kind");
        if (e == null) e = checkString(j.queue(), "queue");
        if (e == null) e = checkStrings(j.tags(), "tags");
        if (e == null) e = j.argsProblem() != null ? invalidArgument("args", j.argsProblem()) : checkString(j.argsJson(), "args");
        if (e == null) e = j.metadataProblem() != null ? invalidArgument("metadata", j.metadataProblem())
                : checkString(j.metadataJson(), "metadata");
        if (e == null) e = checkString(j.runAt(), "run_at");
        UniqueOpts u = j.unique();
        if (e == null && u != null && u.states() != null) e = checkRange(u.states(), 0, 255, "unique.states");
        if (e == null && u != null && u.stateNames() != null) e = checkStrings(u.stateNames(), "unique.states");
        if (e == null && j.orderingKeyProblem() != null) e = invalidArgument("ordering_key", j.orderingKeyProblem());
        if (e == null) e = checkString(j.traceparent(), "traceparent");
        return e;
    }

    private void require(CoreError e) {
        if (e != null) throw exception(e);
    }

    /** Every job checked; a problem of job i is reported as the core reports batch errors. */
    private void requireJobs(List<Job> jobs) {
        for (int i = 0; i < jobs.size(); i++) {
            CoreError e = checkJob(jobs.get(i));
            if (e != null) throw exception(withinBatch(i, e));
        }
    }

    // ---- exports -----------------------------------------------------------------------------

    Contract contractInfo() {
        return callArea(contractInfo, args(), r -> new Contract(getString(r + CONTRACT_AWA_VERSION),
                Integer.toUnsignedLong(mem.readInt(r + CONTRACT_ABI_VERSION)), mem.readInt(r + CONTRACT_MIN_SCHEMA_VERSION),
                mem.readInt(r + CONTRACT_MAX_TESTED_SCHEMA_VERSION)));
    }

    String canonicalJson(String json) {
        require(checkString(json, "json"));
        return callResult(canonicalJson, CANONICAL_JSON_RESULT_PAYLOAD, args().string(json), this::getString);
    }

    byte[] uniqueKey(String kind, String queue, String argsJson, Long periodBucket) {
        CoreError e = checkString(kind, "kind");
        if (e == null) e = checkString(queue, "queue");
        if (e == null) e = checkString(argsJson, "args");
        require(e);
        return callResult(uniqueKey, UNIQUE_KEY_RESULT_PAYLOAD,
                args().string(kind).optString(queue).optString(argsJson).optI64(periodBucket), this::getBytes);
    }

    String uniqueStatesBits(int mask) {
        require(checkRange(mask, 0, 255, "mask"));
        return callArea(uniqueStatesBits, args().i32(mask), this::getString);
    }

    int uniqueStatesMask(List<String> states) {
        require(checkStrings(states, "unique.states"));
        return callResult(uniqueStatesMask, UNIQUE_STATES_MASK_RESULT_PAYLOAD,
                args().list(states, STRING_ELEM_SIZE, STRING_ELEM_ALIGN, this::putString), p -> mem.read(p) & 0xff);
    }

    long periodBucket(long epochSeconds, long periodSeconds) {
        return callResult(periodBucket, PERIOD_BUCKET_RESULT_PAYLOAD, args().i64(epochSeconds).i64(periodSeconds),
                mem::readLong);
    }

    long orderingKeyHash64(byte[] key) {
        return callValue(orderingKeyHash64, args().bytes(key));
    }

    int shardForOrderingKey(byte[] key, int shards) {
        require(checkRange(shards, Short.MIN_VALUE, Short.MAX_VALUE, "shards"));
        return (short) callValue(shardForOrderingKey, args().bytes(key).i32(shards));
    }

    long partitionHash64(byte[] key) {
        return callValue(partitionHash64, args().bytes(key));
    }

    Partition partitionForKey(String logicalQueue, long partitions, byte[] key) {
        CoreError e = checkString(logicalQueue, "queue");
        if (e == null) e = checkRange(partitions, 0, 0xffff_ffffL, "partitions");
        require(e);
        return callResult(partitionForKey, PARTITION_FOR_KEY_RESULT_PAYLOAD,
                args().string(logicalQueue).i32(partitions).bytes(key),
                p -> new Partition(Integer.toUnsignedLong(mem.readInt(p + PARTITION_INDEX)), getString(p + PARTITION_QUEUE)));
    }

    String kindFromTypeName(String name) {
        require(checkString(name, "name"));
        return callArea(kindFromTypeName, args().string(name), this::getString);
    }

    /** {@code job} flattens to more than 16 values: it is passed by pointer (indirect params). */
    Prepared prepare(Job job) {
        if (!PREPARE.indirectParams()) throw new IllegalStateException("prepare: the layout passes job flat");
        require(checkJob(job));
        int arg = alloc(JOB_ALIGN, JOB_SIZE);
        putJob(arg, job);
        return callResult(prepare, PREPARE_RESULT_PAYLOAD, args().i32(arg), this::getPrepared);
    }

    List<Prepared> prepareMany(List<Job> jobs) {
        requireJobs(jobs);
        return callResult(prepareMany, PREPARE_MANY_RESULT_PAYLOAD, args().list(jobs, JOB_SIZE, JOB_ALIGN, this::putJob),
                p -> getList(p, PREPARED_SIZE, this::getPrepared));
    }

    String insertSql(int placeholders) {
        return callArea(insertSql, args().i32(placeholders), this::getString);
    }

    String tryInsertSql(int placeholders) {
        return callArea(tryInsertSql, args().i32(placeholders), this::getString);
    }

    String existingJobSql(int placeholders) {
        return callArea(existingJobSql, args().i32(placeholders), this::getString);
    }

    String insertManySql(int placeholders) {
        return callArea(insertManySql, args().i32(placeholders), this::getString);
    }

    List<String> insertManyBinds(List<Job> jobs) {
        requireJobs(jobs);
        return callResult(insertManyBinds, INSERT_MANY_BINDS_RESULT_PAYLOAD,
                args().list(jobs, JOB_SIZE, JOB_ALIGN, this::putJob), p -> getList(p, STRING_ELEM_SIZE, this::getString));
    }

    /** One part of a batch for its own connection: the jobs' positions and the part's binds. */
    record BatchPart(List<Integer> jobs, List<String> binds) {}

    /** {@code split}: {@code BATCH_SPLIT_BY_QUEUE} or {@code BATCH_SPLIT_CONTIGUOUS}. */
    List<BatchPart> insertManyParts(List<Job> jobs, int parts, int split) {
        requireJobs(jobs);
        return callResult(insertManyParts, INSERT_MANY_PARTS_RESULT_PAYLOAD,
                args().list(jobs, JOB_SIZE, JOB_ALIGN, this::putJob).i32(parts).i32(split),
                p -> getList(p, BATCH_PART_SIZE, at -> new BatchPart(
                        getList(at + BATCH_PART_JOBS, BATCH_PART_JOBS_ELEM_SIZE, mem::readInt),
                        getList(at + BATCH_PART_BINDS, BATCH_PART_BINDS_ELEM_SIZE, this::getString))));
    }

    String storageEngineSql() {
        return callArea(storageEngineSql, args(), this::getString);
    }

    String schemaCheckSql() {
        return callArea(schemaCheckSql, args(), this::getString);
    }

    SchemaStatus checkSchema(Integer schemaVersion, String functionArguments) {
        require(checkString(functionArguments, "function_arguments"));
        return callResult(checkSchema, CHECK_SCHEMA_RESULT_PAYLOAD, args().optI32(schemaVersion).optString(functionArguments),
                p -> new SchemaStatus(mem.readInt(p + SCHEMA_STATUS_SCHEMA_VERSION), mem.read(p + SCHEMA_STATUS_TESTED) != 0));
    }

    /** An error field (contract spelling, already checked: core output or a host literal) in {@code style}. */
    String fieldName(String field, int style) {
        return callArea(fieldName, args().string(field).i32(style), this::getString);
    }

    /** A host-side error about job {@code index} of a batch, prefixed by the core ({@code jobs[i].}). */
    CoreError withinBatch(int index, CoreError e) {
        return callArea(withinBatch, args().i32(index).error(e), this::getError);
    }
}
