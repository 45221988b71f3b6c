package dev.awa.enqueue.example;

import dev.awa.enqueue.AwaEnqueue;
import dev.awa.enqueue.PostgresUrl;
import dev.awa.enqueue.Hex;
import dev.awa.enqueue.InsertResult;
import dev.awa.enqueue.Job;
import dev.awa.enqueue.JobRow;
import dev.awa.enqueue.Partition;
import dev.awa.enqueue.SchemaStatus;
import dev.awa.enqueue.UniqueOpts;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.List;
import java.util.Map;

/**
 * Enqueues a few jobs into an Awa database over JDBC: a plain job, a unique job and a duplicate
 * attempt (reported, transaction kept), a partitioned job and a batch, in one transaction.
 * Usage: Example [postgres://... URL] (default: $DATABASE_URL). Queue: {@code jvm_demo}.
 */
public final class Example {
    public static final String QUEUE = "jvm_demo";

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : System.getenv("DATABASE_URL");
        if (url == null) throw new IllegalArgumentException("pass a postgres:// URL or set DATABASE_URL");
        try (AwaEnqueue awa = AwaEnqueue.create(); Connection conn = PostgresUrl.connect(url)) {
            SchemaStatus schema = awa.checkSchema(conn);
            System.out.printf("awa schema version %d (tested: %s), module contract %s%n",
                    schema.schemaVersion(), schema.tested(), awa.contractInfo());

            conn.setAutoCommit(false);
            JobRow plain = awa.enqueue(conn, Job.builder("send_email")
                    .args(Map.of("to", "ada@example.com", "subject", "Welcome")).queue(QUEUE).tags("demo").build());
            print("plain", plain);

            Job receipt = Job.builder("send_email").argsJson("{\"to\": \"bob@example.com\", \"order\": 42}")
                    .queue(QUEUE).unique(UniqueOpts.builder().byQueue(true).build()).build();
            print("unique", awa.tryEnqueue(conn, receipt).row());
            InsertResult again = awa.tryEnqueue(conn, receipt);
            System.out.println("duplicate : " + (again.duplicate() ? "not inserted, "
                    + (again.existing() == null ? "the job holding the key is not visible" : "job " + again.existing().id()
                            + " holds the key") + "; transaction still usable" : again));

            byte[] customer = "customer-42".getBytes(StandardCharsets.UTF_8);
            Partition part = awa.partitionForKey(QUEUE, 1, customer);
            print("ordered", awa.enqueue(conn, Job.builder("send_email").argsJson("{\"to\":\"carol@example.com\"}")
                    .queue(part.queue()).orderingKey(customer).priority(1).build()));

            List<JobRow> batch = awa.enqueueMany(conn, List.of(
                    Job.builder("send_email").argsJson("{\"to\":\"dan@example.com\"}").queue(QUEUE).build(),
                    Job.builder("send_email").argsJson("{\"to\":\"eve@example.com\"}").queue(QUEUE).build()));
            for (JobRow r : batch) print("batch", r);
            conn.commit();
            System.out.println("committed 5 jobs on queue " + QUEUE);
        }
    }

    private static void print(String label, JobRow r) {
        System.out.printf("%-10s: id=%d kind=%s queue=%s state=%s priority=%d args=%s unique_key=%s%n", label, r.id(),
                r.kind(), r.queue(), r.state(), r.priority(), r.argsJson(), Hex.encode(r.uniqueKey()));
    }

}
