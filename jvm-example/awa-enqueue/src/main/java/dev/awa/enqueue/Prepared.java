package dev.awa.enqueue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The 12 parameters of {@code awa.insert_job_compat}, in order, exactly as the core prepared
 * them ({@code argsJson} is the canonical text that was hashed, {@code uniqueStates} the
 * {@code bit(8)} text), and {@code binds}: the same 12 values as the core's text binds of its
 * insert SQL (null = SQL NULL), to be bound with {@code setString} / {@code setNull}.
 */
public record Prepared(
        String kind,
        String queue,
        String argsJson,
        String state,
        short priority,
        short maxAttempts,
        String runAt,
        String metadataJson,
        List<String> tags,
        byte[] uniqueKey,
        String uniqueStates,
        byte[] orderingKey,
        List<String> binds) {

    public Prepared {
        tags = List.copyOf(tags);
        binds = Collections.unmodifiableList(new ArrayList<>(binds));
    }

    @Override
    public byte[] uniqueKey() {
        return uniqueKey == null ? null : uniqueKey.clone();
    }

    @Override
    public byte[] orderingKey() {
        return orderingKey == null ? null : orderingKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prepared p && kind.equals(p.kind) && queue.equals(p.queue)
                && argsJson.equals(p.argsJson) && state.equals(p.state) && priority == p.priority
                && maxAttempts == p.maxAttempts && Objects.equals(runAt, p.runAt)
                && metadataJson.equals(p.metadataJson) && tags.equals(p.tags)
                && Arrays.equals(uniqueKey, p.uniqueKey) && Objects.equals(uniqueStates, p.uniqueStates)
                && Arrays.equals(orderingKey, p.orderingKey) && binds.equals(p.binds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, queue, argsJson, state, priority, maxAttempts, runAt, metadataJson, tags,
                uniqueStates, binds) * 31 * 31 + Arrays.hashCode(uniqueKey) * 31 + Arrays.hashCode(orderingKey);
    }

    @Override
    public String toString() {
        return "Prepared{kind=" + kind + ", queue=" + queue + ", args=" + argsJson + ", state=" + state
                + ", priority=" + priority + ", maxAttempts=" + maxAttempts + ", runAt=" + runAt
                + ", metadata=" + metadataJson + ", tags=" + tags + ", uniqueKey=" + Hex.encode(uniqueKey)
                + ", uniqueStates=" + uniqueStates + ", orderingKey=" + Hex.encode(orderingKey) + "}";
    }
}
