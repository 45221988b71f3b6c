package example.spring;

import dev.awa.enqueue.AwaEnqueue;
import dev.awa.enqueue.InsertResult;
import dev.awa.enqueue.JobRow;
import dev.awa.enqueue.Json;
import dev.awa.enqueue.Prepared;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/** Places orders through OrderService and prints one line: RESULT {json}. */
@SpringBootApplication
public class Application {
    public static void main(String[] args) {
        System.exit(SpringApplication.exit(SpringApplication.run(Application.class, args)));
    }

    @Bean(destroyMethod = "close")
    AwaEnqueue awaEnqueue() {
        return AwaEnqueue.create();
    }

    @Bean
    CommandLineRunner run(OrderService orders, JdbcTemplate jdbc, AwaEnqueue awa) {
        return args -> {
            jdbc.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, ref text NOT NULL UNIQUE)");
            jdbc.execute("CREATE TABLE order_events (id bigserial PRIMARY KEY, ref text NOT NULL, event text NOT NULL)");
            jdbc.execute((ConnectionCallback<Object>) awa::checkSchema);

            JobRow a1 = orders.placeOrder("A-1", false);                  // commit
            long rolledBack;
            try {
                orders.placeOrder("A-2", true);                            // rollback
                throw new AssertionError("placeOrder did not throw");
            } catch (OrderService.PaymentDeclined e) {
                rolledBack = e.jobId;
            }
            check(count(jdbc, "SELECT count(*) FROM awa.jobs WHERE id = " + rolledBack) == 0, "rolled-back job is stored");
            check(count(jdbc, "SELECT count(*) FROM orders WHERE ref = 'A-2'") == 0, "rolled-back order is stored");
            JobRow a2 = orders.placeOrder("A-2", false);                  // the key is free again
            InsertResult dup = orders.resendReceipt("A-1");                // duplicate, commits
            check(dup.duplicate() && dup.existing() != null && dup.existing().id() == a1.id(), "not a duplicate of A-1: " + dup);
            check(count(jdbc, "SELECT count(*) FROM order_events WHERE ref = 'A-1'") == 1, "event row not committed");

            List<Object> expected = new ArrayList<>();
            expected.add(expect(awa.prepare(OrderService.receiptJob("A-1")), a1.id()));
            expected.add(expect(awa.prepare(OrderService.receiptJob("A-2")), a2.id()));
            Map<String, Object> out = new HashMap<>();
            out.put("expected", expected);
            out.put("absent", List.of(rolledBack));
            out.put("committed", 2);
            out.put("rolled_back", 1);
            out.put("duplicates", 1);
            out.put("business_rows", count(jdbc, "SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_events)"));
            System.out.println("RESULT " + Json.write(out));
        };
    }

    static long count(JdbcTemplate jdbc, String sql) {
        return jdbc.queryForObject(sql, Long.class);
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
        m.put("unique_key", p.uniqueKey() == null ? null : dev.awa.enqueue.Hex.encode(p.uniqueKey()));
        m.put("unique_states", p.uniqueStates());
        return m;
    }
}
