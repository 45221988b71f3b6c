package dev.awa.enqueue;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * SQL text from the core with JDBC {@code ?} placeholders and its bind values, all text (null =
 * SQL NULL), in placeholder order; the SQL casts every parameter itself. {@link #bind} binds them
 * with {@code setString} / {@code setNull(Types.VARCHAR)}; any other driver API can bind the same
 * strings.
 */
public final class InsertStatement {
    private final String sql;
    private final List<String> binds;

    InsertStatement(String sql, List<String> binds) {
        this.sql = sql;
        this.binds = Collections.unmodifiableList(new ArrayList<>(binds));
    }

    /** The SQL, with one {@code ?} per bind. */
    public String sql() {
        return sql;
    }

    /** The text bind values in order; null entries are SQL NULL. */
    public List<String> binds() {
        return binds;
    }

    /** Binds every value to a statement prepared from {@link #sql()}. */
    public void bind(PreparedStatement ps) throws SQLException {
        bind(ps, binds);
    }

    static void bind(PreparedStatement ps, List<String> binds) throws SQLException {
        for (int i = 0; i < binds.size(); i++) {
            String v = binds.get(i);
            if (v == null) ps.setNull(i + 1, Types.VARCHAR);
            else ps.setString(i + 1, v);
        }
    }
}
