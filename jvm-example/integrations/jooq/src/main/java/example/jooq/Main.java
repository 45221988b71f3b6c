package example.jooq;

import dev.awa.enqueue.AwaEnqueue;
import dev.awa.enqueue.Hex;
import dev.awa.enqueue.InsertResult;
import dev.awa.enqueue.InsertStatement;
import dev.awa.enqueue.Job;
import dev.awa.enqueue.Json;
import dev.awa.enqueue.Prepared;
import dev.awa.enqueue.UniqueOpts;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** Main JDBC_URL: invoices and their jobs through jOOQ; prints one line: RESULT {json}. */
public class Main {
    static Job invoiceJob(String number) {
        return Job.builder("send_invoice").args(Map.of("invoice", number)).queue("jooq_billing")
                .unique(UniqueOpts.byArgs()).build();
    }

    static Job reminderJob(String number, int day) {
        return Job.builder("invoice_reminder").args(Map.of("invoice", number, "day", day)).queue("jooq_billing")
                .priority(3).tags("billing").build();
    }

    /** The core's text binds as VARCHAR parameters (null = SQL NULL). */
    static Object[] textBinds(InsertStatement s) {
        return s.binds().stream().map(v -> DSL.val(v, SQLDataType.VARCHAR)).toArray();
    }

    static class Declined extends RuntimeException {
        final long jobId;

        Declined(long jobId) {
            super("declined");
            this.jobId = jobId;
        }
    }

    public static void main(String[] args) throws Exception {
        try (AwaEnqueue awa = AwaEnqueue.create(); Connection conn = DriverManager.getConnection(args[0])) {
            DSLContext dsl = DSL.using(conn, SQLDialect.POSTGRES);
            dsl.execute("CREATE TABLE invoices (id bigserial PRIMARY KEY, number text NOT NULL UNIQUE)");
            dsl.connection(awa::checkSchema);
            List<Job> reminders = List.of(reminderJob("INV-1", 7), reminderJob("INV-1", 14), reminderJob("INV-1", 30));

            Map<String, Object> r = new HashMap<>();
            dsl.transaction(cfg -> {
                DSLContext tx = DSL.using(cfg);
                tx.execute("INSERT INTO invoices (number) VALUES (?)", "INV-1");

                InsertStatement insert = awa.buildInsert(invoiceJob("INV-1"));
                Record job = tx.resultQuery(insert.sql(), textBinds(insert)).fetchOne();

                InsertStatement batch = awa.buildInsertMany(reminders);
                List<Long> batchIds = tx.resultQuery(batch.sql(), textBinds(batch)).fetch("id", Long.class);

                // duplicate-safe, two ways: the try-insert SQL (column "inserted") ...
                InsertStatement again = awa.buildTryInsert(invoiceJob("INV-1"));
                Record dup = tx.resultQuery(again.sql(), textBinds(again)).fetchOne();
                // ... or tryEnqueue on the transaction's connection (a savepoint inside it)
                InsertResult dup2 = tx.connectionResult(c -> awa.tryEnqueue(c, invoiceJob("INV-1")));

                r.put("job", job.get("id", Long.class));
                r.put("batch", batchIds);
                r.put("dup_inserted", dup.get("inserted", Boolean.class));
                r.put("dup_id", dup.get("id", Long.class));
                r.put("dup2", dup2.duplicate() ? dup2.existing().id() : -1L);
            });
            long jobId = (Long) r.get("job");
            check(Boolean.FALSE.equals(r.get("dup_inserted")) && r.get("dup_id").equals(jobId), "try-insert SQL: " + r);
            check(r.get("dup2").equals(jobId), "tryEnqueue: " + r);

            long rolledBack = -1;
            try {
                dsl.transaction(cfg -> {
                    DSLContext tx = DSL.using(cfg);
                    tx.execute("INSERT INTO invoices (number) VALUES (?)", "INV-2");
                    InsertStatement insert = awa.buildInsert(invoiceJob("INV-2"));
                    long id = tx.resultQuery(insert.sql(), textBinds(insert)).fetchOne("id", Long.class);
                    throw new Declined(id);
                });
            } catch (Declined e) {
                rolledBack = e.jobId;
            }
            check(rolledBack > 0, "the transaction did not roll back");
            check(dsl.fetchCount(DSL.table("awa.jobs"), DSL.field("id").eq(rolledBack)) == 0, "rolled-back job is stored");

            @SuppressWarnings("unchecked")
            List<Long> batchIds = (List<Long>) r.get("batch");
            List<Prepared> prepared = awa.prepareMany(reminders);
            List<Object> expected = new ArrayList<>();
            expected.add(expect(awa.prepare(invoiceJob("INV-1")), jobId));
            for (int i = 0; i < batchIds.size(); i++) expected.add(expect(prepared.get(i), batchIds.get(i)));
            Map<String, Object> out = new HashMap<>();
            out.put("expected", expected);
            out.put("absent", List.of(rolledBack));
            out.put("batch", batchIds.size());
            out.put("duplicates", 2);
            out.put("rolled_back", 1);
            out.put("business_rows", dsl.fetchCount(DSL.table("invoices")));
            System.out.println("RESULT " + Json.write(out));
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    /** What the library prepared for a job, for the test to compare with the stored row. */
    static Map<String, Object> expect(Prepared p, long id) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", id);
        m.put("kind", p.kind());
        m.put("queue", p.queue());
        m.put("args", p.argsJson());
        m.put("metadata", p.metadataJson());
        m.put("state", p.state());
        m.put("priority", p.priority());
        m.put("max_attempts", p.maxAttempts());
        m.put("tags", p.tags());
        m.put("unique_key", p.uniqueKey() == null ? null : Hex.encode(p.uniqueKey()));
        m.put("unique_states", p.uniqueStates());
        return m;
    }
}
