package example.spring;

import dev.awa.enqueue.AwaEnqueue;
import dev.awa.enqueue.InsertResult;
import dev.awa.enqueue.InsertStatement;
import dev.awa.enqueue.Job;
import dev.awa.enqueue.JobRow;
import dev.awa.enqueue.UniqueOpts;
import java.sql.Types;
import java.util.Map;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.SqlParameterValue;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
public class OrderService {
    private final JdbcTemplate jdbc;
    private final AwaEnqueue awa;

    public OrderService(JdbcTemplate jdbc, AwaEnqueue awa) {
        this.jdbc = jdbc;
        this.awa = awa;
    }

    public static Job receiptJob(String ref) {
        return Job.builder("send_receipt").args(Map.of("order", ref)).queue("spring_receipts")
                .unique(UniqueOpts.byArgs()).build();
    }

    /** The order row and its job commit or roll back together. */
    @Transactional
    public JobRow placeOrder(String ref, boolean declined) {
        jdbc.update("INSERT INTO orders (ref) VALUES (?)", ref);
        InsertStatement insert = awa.buildInsert(receiptJob(ref));
        JobRow job = jdbc.query(insert.sql(), (rs, i) -> JobRow.from(rs), textBinds(insert)).get(0);
        if (declined) throw new PaymentDeclined(ref, job.id());
        return job;
    }

    /** Duplicate-safe: a receipt already queued is reported, and the event row still commits. */
    @Transactional
    public InsertResult resendReceipt(String ref) {
        jdbc.update("INSERT INTO order_events (ref, event) VALUES (?, 'resend')", ref);
        // the transaction's connection: tryEnqueue runs under a savepoint in it
        return jdbc.execute((ConnectionCallback<InsertResult>) conn -> awa.tryEnqueue(conn, receiptJob(ref)));
    }

    /** The core's text binds, bound as VARCHAR (null = SQL NULL), as the library's JDBC helpers do. */
    static Object[] textBinds(InsertStatement s) {
        return s.binds().stream().map(v -> new SqlParameterValue(Types.VARCHAR, v)).toArray();
    }

    public static class PaymentDeclined extends RuntimeException {
        public final long jobId;

        PaymentDeclined(String ref, long jobId) {
            super("payment declined for " + ref);
            this.jobId = jobId;
        }
    }
}
