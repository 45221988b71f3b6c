package dev.awa.enqueue;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;

/** An inserted {@code awa.jobs} row, as returned by the insert statement (main columns). */
public record JobRow(
        long id,
        String kind,
        String queue,
        String argsJson,
        String state,
        short priority,
        short attempt,
        short maxAttempts,
        OffsetDateTime runAt,
        OffsetDateTime createdAt,
        String metadataJson,
        List<String> tags,
        byte[] uniqueKey,
        String uniqueStates) {

    /** Reads the current row of a result set from the insert statement. */
    public static JobRow from(ResultSet rs) throws SQLException {
        Array tags = rs.getArray("tags");
        return new JobRow(
                rs.getLong("id"),
                rs.getString("kind"),
                rs.getString("queue"),
                rs.getString("args"),
                rs.getString("state_str"),
                rs.getShort("priority"),
                rs.getShort("attempt"),
                rs.getShort("max_attempts"),
                rs.getObject("run_at", OffsetDateTime.class),
                rs.getObject("created_at", OffsetDateTime.class),
                rs.getString("metadata"),
                tags == null ? List.of() : List.of((String[]) tags.getArray()),
                rs.getBytes("unique_key"),
                rs.getString("unique_states"));
    }

    @Override
    public String toString() {
        return "JobRow{id=" + id + ", kind=" + kind + ", queue=" + queue + ", args=" + argsJson + ", state=" + state
                + ", priority=" + priority + ", attempt=" + attempt + ", maxAttempts=" + maxAttempts + ", runAt="
                + runAt + ", tags=" + tags + ", uniqueKey=" + Hex.encode(uniqueKey) + ", uniqueStates="
                + uniqueStates + "}";
    }
}
