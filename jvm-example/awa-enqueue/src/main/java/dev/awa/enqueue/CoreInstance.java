package dev.awa.enqueue;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import dev.awa.enqueue.internal.CoreModule;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * One instance of the core module (AOT-compiled to JVM bytecode) and the canonical-ABI glue for
 * its exports, one method per export. Not thread-safe: {@link AwaEnqueue} pools these.
 *
 * <p>Layouts follow the canonical ABI for {@code wit/awa-enqueue.wit}: string/list = (ptr u32,
 * len u32), option = u8 tag then payload at the payload's alignment, records field by field.
 * Arguments are allocated with {@code cabi_realloc} and owned (freed) by the callee; results
 * beyond one flat value come back through a return area that is copied out, then released with
 * {@code cabi_post_<export>}.
 */
final class CoreInstance {
    static final long ABI_VERSION = 1;
    private static final String IFACE = "awa:enqueue/core@0.6.9#";

    // record job (size 136, align 8)
    static final int JOB_SIZE = 136;
    static final int JOB_ALIGN = 8;
    // record prepared (size 100, align 4)
    static final int PREPARED_SIZE = 100;

    private final Memory mem;
    private final ExportFunction realloc;
    private final Export contractInfo, canonicalJson, uniqueKey, uniqueStatesBits, uniqueStatesMask,
            periodBucket, partitionForKey, kindFromTypeName, prepare, prepareMany, insertSql, insertManySql,
            schemaCheckSql, checkSchema;
    private final ExportFunction orderingKeyHash64, shardForOrderingKey, partitionHash64, defaultUniqueOpts;
    boolean broken;
    /** Awa's unique defaults as the core reports them; fills unset {@link UniqueOpts} fields. */
    UniqueOpts uniqueDefaults;

    private record Export(ExportFunction fn, ExportFunction post) {}

    private final Instance instance;

    CoreInstance() {
        Instance inst = Instance.builder(CoreModule.load()).withMachineFactory(CoreModule::create).build();
        instance = inst;
        mem = inst.memory();
        realloc = inst.export("cabi_realloc");
        contractInfo = export(inst, "contract-info");
        canonicalJson = export(inst, "canonical-json");
        uniqueKey = export(inst, "unique-key");
        uniqueStatesBits = export(inst, "unique-states-bits");
        uniqueStatesMask = export(inst, "unique-states-mask");
        periodBucket = export(inst, "period-bucket");
        partitionForKey = export(inst, "partition-for-key");
        kindFromTypeName = export(inst, "kind-from-type-name");
        prepare = export(inst, "prepare");
        prepareMany = export(inst, "prepare-many");
        insertSql = export(inst, "insert-sql");
        insertManySql = export(inst, "insert-many-sql");
        schemaCheckSql = export(inst, "schema-check-sql");
        checkSchema = export(inst, "check-schema");
        orderingKeyHash64 = inst.export(IFACE + "ordering-key-hash64");
        shardForOrderingKey = inst.export(IFACE + "shard-for-ordering-key");
        partitionHash64 = inst.export(IFACE + "partition-hash64");
        defaultUniqueOpts = inst.export(IFACE + "default-unique-opts");
    }

    private static Export export(Instance inst, String name) {
        return new Export(inst.export(IFACE + name), inst.export("cabi_post_" + IFACE + name));
    }

    /** Memory pages, to check that memory stays bounded over many calls. */
    int pages() {
        return mem.pages();
    }

    /** Calls any export with raw core values (tests use it to provoke a trap). */
    long[] rawCall(String export, long... args) {
        return call(instance.export(export), args);
    }

    // ---- calls -------------------------------------------------------------------------------

    private long[] call(ExportFunction fn, long... args) {
        try {
            return fn.apply(args);
        } catch (RuntimeException e) {
            broken = true;
            throw new AwaEnqueueException("module_trap", "", "core module trapped: " + e, e);
        }
    }

    private int callArea(Export e, long... args) {
        return (int) call(e.fn, args)[0];
    }

    private void release(Export e, int area) {
        call(e.post, area);
    }

    // ---- lowering ----------------------------------------------------------------------------

    private int alloc(int align, int size) {
        return (int) call(realloc, 0, 0, align, size)[0];
    }

    private int lowerBytes(byte[] b) {
        int p = alloc(1, b.length);
        mem.write(p, b);
        return p;
    }

    private void putBytes(int at, byte[] b) {
        mem.writeI32(at, lowerBytes(b));
        mem.writeI32(at + 4, b.length);
    }

    /**
     * Rejects a string UTF-8 cannot carry unchanged: an unpaired UTF-16 surrogate (which
     * {@code getBytes(UTF_8)} would replace with '?'). Runs before anything is allocated.
     */
    static String wellFormed(String s, String field) {
        int i = loneSurrogate(s);
        if (i >= 0) {
            throw new AwaEnqueueException("invalid_argument", field,
                    field + " contains an unpaired UTF-16 surrogate at index " + i + " (not valid UTF-8)");
        }
        return s;
    }

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

    static byte[] utf8(String s, String field) {
        return wellFormed(s, field).getBytes(StandardCharsets.UTF_8);
    }

    private static void wellFormedList(Collection<String> items, String field) {
        int i = 0;
        for (String s : items) wellFormed(s, field + "[" + i++ + "]");
    }

    /** Checks every string of a job (field names as the core's, with {@code prefix}). */
    private static void checkJob(Job j, String prefix) {
        wellFormed(j.kind(), prefix + "kind");
        if (j.argsJson() != null) wellFormed(j.argsJson(), prefix + "args");
        if (j.queue() != null) wellFormed(j.queue(), prefix + "queue");
        if (j.runAt() != null) wellFormed(j.runAt(), prefix + "run_at");
        if (j.metadataJson() != null) wellFormed(j.metadataJson(), prefix + "metadata");
        wellFormedList(j.tags(), prefix + "tags");
    }

    /** Strings reaching here have been checked by {@link #wellFormed}. */
    private void putString(int at, String s) {
        putBytes(at, s.getBytes(StandardCharsets.UTF_8));
    }

    private void putOptString(int at, String s) {
        mem.writeByte(at, (byte) (s == null ? 0 : 1));
        if (s != null) putString(at + 4, s);
    }

    private void putOptBytes(int at, byte[] b) {
        mem.writeByte(at, (byte) (b == null ? 0 : 1));
        if (b != null) putBytes(at + 4, b);
    }

    private void putOptI32(int at, Integer v) {
        mem.writeByte(at, (byte) (v == null ? 0 : 1));
        if (v != null) mem.writeI32(at + 4, v);
    }

    private void putStringList(int at, Collection<String> items) {
        int p = alloc(4, 8 * items.size());
        int i = 0;
        for (String s : items) putString(p + 8 * i++, s);
        mem.writeI32(at, p);
        mem.writeI32(at + 4, items.size());
    }

    /** record job: kind@0 args@8 queue@20 priority@32 max-attempts@40 run-at@48 metadata@60
     *  tags@72 unique@80 (payload@88: by-queue@0 by-args@1 by-period@8 (value@16) states@24)
     *  ordering-key@120. */
    private void putJob(int at, Job j) {
        putString(at, j.kind());
        putOptString(at + 8, j.argsJson());
        putOptString(at + 20, j.queue());
        putOptI32(at + 32, j.priority());
        putOptI32(at + 40, j.maxAttempts());
        putOptString(at + 48, j.runAt());
        putOptString(at + 60, j.metadataJson());
        putStringList(at + 72, j.tags());
        UniqueOpts u = j.unique();
        mem.writeByte(at + 80, (byte) (u == null ? 0 : 1));
        if (u != null) {
            u = u.orDefaults(uniqueDefaults);
            int o = at + 88;
            mem.writeByte(o, (byte) (u.isByQueue() ? 1 : 0));
            mem.writeByte(o + 1, (byte) (u.isByArgs() ? 1 : 0));
            mem.writeByte(o + 8, (byte) (u.byPeriod() == null ? 0 : 1));
            if (u.byPeriod() != null) mem.writeLong(o + 16, u.byPeriod());
            mem.writeByte(o + 24, (byte) u.states().intValue());
        }
        putOptBytes(at + 120, j.orderingKeyRaw());
    }

    // ---- lifting -----------------------------------------------------------------------------

    private byte[] getBytes(int at) {
        return mem.readBytes(mem.readInt(at), mem.readInt(at + 4));
    }

    private String getString(int at) {
        return new String(getBytes(at), StandardCharsets.UTF_8);
    }

    private String getOptString(int at) {
        return mem.read(at) == 0 ? null : getString(at + 4);
    }

    private byte[] getOptBytes(int at) {
        return mem.read(at) == 0 ? null : getBytes(at + 4);
    }

    private List<String> getStringList(int at) {
        int p = mem.readInt(at), n = mem.readInt(at + 4);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(getString(p + 8 * i));
        return out;
    }

    /** record error: code@0 field@8 message@16. */
    private AwaEnqueueException getError(int at) {
        return new AwaEnqueueException(getString(at), getString(at + 8), getString(at + 16));
    }

    /** record prepared: kind@0 queue@8 args@16 state@24 priority@32 max-attempts@34 run-at@36
     *  metadata@48 tags@56 unique-key@64 unique-states@76 ordering-key@88. */
    private Prepared getPrepared(int at) {
        return new Prepared(getString(at), getString(at + 8), getString(at + 16), getString(at + 24),
                mem.readShort(at + 32), mem.readShort(at + 34), getOptString(at + 36), getString(at + 48),
                getStringList(at + 56), getOptBytes(at + 64), getOptString(at + 76), getOptBytes(at + 88));
    }

    // ---- exports -----------------------------------------------------------------------------

    /** contract-info: record contract (awa-version@0 abi-version@8 min@12 max-tested@16). */
    Contract contractInfo() {
        int r = callArea(contractInfo);
        try {
            return new Contract(getString(r), Integer.toUnsignedLong(mem.readInt(r + 8)), mem.readInt(r + 12),
                    mem.readInt(r + 16));
        } finally {
            release(contractInfo, r);
        }
    }

    /** default-unique-opts: record unique-opts (by-queue@0 by-args@1 by-period@8 (value@16)
     *  states@24) in a return area; no cabi_post (nothing to free). */
    UniqueOpts defaultUniqueOpts() {
        int r = (int) call(defaultUniqueOpts)[0];
        return UniqueOpts.builder().byQueue(mem.read(r) != 0).byArgs(mem.read(r + 1) != 0)
                .byPeriod(mem.read(r + 8) == 0 ? null : mem.readLong(r + 16)).states(mem.read(r + 24) & 0xff).build();
    }

    /** result<string, error>: tag@0 payload@4. */
    private String stringResult(Export e, int r) {
        try {
            if (mem.read(r) != 0) throw getError(r + 4);
            return getString(r + 4);
        } finally {
            release(e, r);
        }
    }

    private String plainString(Export e, int r) {
        try {
            return getString(r);
        } finally {
            release(e, r);
        }
    }

    String canonicalJson(String json) {
        byte[] b = utf8(json, "json");
        return stringResult(canonicalJson, callArea(canonicalJson, lowerBytes(b), b.length));
    }

    byte[] uniqueKey(String kind, String queue, String argsJson, Long periodBucket) {
        byte[] k = utf8(kind, "kind");
        byte[] q = queue == null ? null : utf8(queue, "queue");
        byte[] a = argsJson == null ? null : utf8(argsJson, "args");
        long kp = lowerBytes(k);
        long qd = 0, qp = 0, ql = 0, ad = 0, ap = 0, al = 0;
        if (q != null) {
            qd = 1;
            qp = lowerBytes(q);
            ql = q.length;
        }
        if (a != null) {
            ad = 1;
            ap = lowerBytes(a);
            al = a.length;
        }
        int r = callArea(uniqueKey, kp, k.length, qd, qp, ql, ad, ap, al, periodBucket == null ? 0 : 1,
                periodBucket == null ? 0 : periodBucket);
        try {
            if (mem.read(r) != 0) throw getError(r + 4);
            return getBytes(r + 4);
        } finally {
            release(uniqueKey, r);
        }
    }

    String uniqueStatesBits(int mask) {
        return plainString(uniqueStatesBits, callArea(uniqueStatesBits, mask));
    }

    /** result<u8, error>: tag@0 payload@4. */
    int uniqueStatesMask(Collection<String> states) {
        wellFormedList(states, "unique.states");
        int list = alloc(4, 8 * states.size());
        int i = 0;
        for (String s : states) putString(list + 8 * i++, s);
        int r = callArea(uniqueStatesMask, list, states.size());
        try {
            if (mem.read(r) != 0) throw getError(r + 4);
            return mem.read(r + 4) & 0xff;
        } finally {
            release(uniqueStatesMask, r);
        }
    }

    /** result<s64, error>: tag@0 payload@8. */
    long periodBucket(long epochSeconds, long periodSeconds) {
        int r = callArea(periodBucket, epochSeconds, periodSeconds);
        try {
            if (mem.read(r) != 0) throw getError(r + 8);
            return mem.readLong(r + 8);
        } finally {
            release(periodBucket, r);
        }
    }

    long orderingKeyHash64(byte[] key) {
        return call(orderingKeyHash64, lowerBytes(key), key.length)[0];
    }

    int shardForOrderingKey(byte[] key, short shards) {
        return (short) call(shardForOrderingKey, lowerBytes(key), key.length, shards)[0];
    }

    long partitionHash64(byte[] key) {
        return call(partitionHash64, lowerBytes(key), key.length)[0];
    }

    /** result<partition, error>: tag@0 payload@4 (index u32@0, queue@4). */
    Partition partitionForKey(String logicalQueue, long partitions, byte[] key) {
        byte[] q = utf8(logicalQueue, "queue");
        long qp = lowerBytes(q);
        long kp = lowerBytes(key);
        int r = callArea(partitionForKey, qp, q.length, (int) partitions, kp, key.length);
        try {
            if (mem.read(r) != 0) throw getError(r + 4);
            return new Partition(Integer.toUnsignedLong(mem.readInt(r + 4)), getString(r + 8));
        } finally {
            release(partitionForKey, r);
        }
    }

    String kindFromTypeName(String name) {
        byte[] b = utf8(name, "name");
        return plainString(kindFromTypeName, callArea(kindFromTypeName, lowerBytes(b), b.length));
    }

    /** prepare(job): job passed by pointer (29 flat values > 16); result<prepared, error>: payload@4. */
    Prepared prepare(Job job) {
        checkJob(job, "");
        int arg = alloc(JOB_ALIGN, JOB_SIZE);
        putJob(arg, job);
        int r = callArea(prepare, arg);
        try {
            if (mem.read(r) != 0) throw getError(r + 4);
            return getPrepared(r + 4);
        } finally {
            release(prepare, r);
        }
    }

    /** prepare-many(list<job>): (ptr, len) of 136-byte jobs; result<list<prepared>, error>: payload@4. */
    List<Prepared> prepareMany(List<Job> jobs) {
        for (int i = 0; i < jobs.size(); i++) checkJob(jobs.get(i), "jobs[" + i + "].");
        int arr = alloc(JOB_ALIGN, JOB_SIZE * jobs.size());
        for (int i = 0; i < jobs.size(); i++) putJob(arr + JOB_SIZE * i, jobs.get(i));
        int r = callArea(prepareMany, arr, jobs.size());
        try {
            if (mem.read(r) != 0) throw getError(r + 4);
            int p = mem.readInt(r + 4), n = mem.readInt(r + 8);
            List<Prepared> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) out.add(getPrepared(p + PREPARED_SIZE * i));
            return out;
        } finally {
            release(prepareMany, r);
        }
    }

    String insertSql() {
        return plainString(insertSql, callArea(insertSql));
    }

    String insertManySql(long rows) {
        return stringResult(insertManySql, callArea(insertManySql, (int) rows));
    }

    String schemaCheckSql() {
        return plainString(schemaCheckSql, callArea(schemaCheckSql));
    }

    /** check-schema(option<s32>, option<string>): 5 flat params; result<schema-status, error>:
     *  payload@4 (schema-version s32@0, tested bool@4). */
    SchemaStatus checkSchema(Integer schemaVersion, String functionArguments) {
        long fd = 0, fp = 0, fl = 0;
        if (functionArguments != null) {
            byte[] f = utf8(functionArguments, "function_arguments");
            fd = 1;
            fp = lowerBytes(f);
            fl = f.length;
        }
        int r = callArea(checkSchema, schemaVersion == null ? 0 : 1, schemaVersion == null ? 0 : schemaVersion,
                fd, fp, fl);
        try {
            if (mem.read(r) != 0) throw getError(r + 4);
            return new SchemaStatus(mem.readInt(r + 4), mem.read(r + 8) != 0);
        } finally {
            release(checkSchema, r);
        }
    }
}
