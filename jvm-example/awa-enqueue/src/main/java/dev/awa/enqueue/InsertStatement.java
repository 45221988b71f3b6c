package dev.awa.enqueue;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SQL text plus its ordered, typed parameters ($1..$n). Bind them with {@link #bind} or use the
 * values with any other driver API. Every placeholder in the SQL carries an explicit cast, so
 * text, smallint, text[] and bytea binds are all the statement needs.
 */
public final class InsertStatement {
    /** The JDBC-level type a parameter is bound as. */
    public enum ParamType { TEXT, SMALLINT, TEXT_ARRAY, BYTEA }

    /** One parameter: its type and value (String, Short, List&lt;String&gt;, byte[] or null). */
    public record Param(ParamType type, Object value) {}

    private final String sql;
    private final List<Param> params;
    private final List<Prepared> jobs;

    InsertStatement(String sql, List<Prepared> jobs) {
        this.sql = sql;
        this.jobs = List.copyOf(jobs);
        List<Param> ps = new ArrayList<>(12 * jobs.size());
        for (Prepared p : jobs) {
            ps.add(new Param(ParamType.TEXT, p.kind()));
            ps.add(new Param(ParamType.TEXT, p.queue()));
            ps.add(new Param(ParamType.TEXT, p.argsJson()));
            ps.add(new Param(ParamType.TEXT, p.state()));
            ps.add(new Param(ParamType.SMALLINT, p.priority()));
            ps.add(new Param(ParamType.SMALLINT, p.maxAttempts()));
            ps.add(new Param(ParamType.TEXT, p.runAt()));
            ps.add(new Param(ParamType.TEXT, p.metadataJson()));
            ps.add(new Param(ParamType.TEXT_ARRAY, p.tags()));
            ps.add(new Param(ParamType.BYTEA, p.uniqueKey()));
            ps.add(new Param(ParamType.TEXT, p.uniqueStates()));
            ps.add(new Param(ParamType.BYTEA, p.orderingKey()));
        }
        this.params = Collections.unmodifiableList(ps);
        Matcher m = PLACEHOLDER.matcher(sql);
        StringBuilder jdbc = new StringBuilder();
        List<Integer> order = new ArrayList<>();
        while (m.find()) {
            order.add(Integer.parseInt(m.group(1)));
            m.appendReplacement(jdbc, "?");
        }
        m.appendTail(jdbc);
        this.jdbcSql = jdbc.toString();
        this.jdbcOrder = order.stream().mapToInt(Integer::intValue).toArray();
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$(\\d+)");
    private final String jdbcSql;
    private final int[] jdbcOrder;

    /** SQL text with placeholders {@code $1..$n}; see {@link #jdbcSql()} for JDBC. */
    public String sql() {
        return sql;
    }

    /** The SQL with each {@code $n} placeholder rewritten to JDBC's {@code ?}. */
    public String jdbcSql() {
        return jdbcSql;
    }

    public List<Param> parameters() {
        return params;
    }

    /** The prepared jobs, in row order. */
    public List<Prepared> jobs() {
        return jobs;
    }

    /** Binds every parameter to a statement created from {@link #jdbcSql()}. */
    public void bind(PreparedStatement ps) throws SQLException {
        for (int i = 1; i <= jdbcOrder.length; i++) {
            Param p = params.get(jdbcOrder[i - 1] - 1);
            Object v = p.value();
            switch (p.type()) {
                case TEXT -> {
                    if (v == null) ps.setNull(i, Types.VARCHAR);
                    else ps.setString(i, (String) v);
                }
                case SMALLINT -> ps.setShort(i, (Short) v);
                case TEXT_ARRAY -> {
                    @SuppressWarnings("unchecked")
                    List<String> tags = (List<String>) v;
                    Array a = ps.getConnection().createArrayOf("text", tags.toArray(new String[0]));
                    ps.setArray(i, a);
                }
                case BYTEA -> {
                    if (v == null) ps.setNull(i, Types.BINARY);
                    else ps.setBytes(i, (byte[]) v);
                }
            }
        }
    }
}
