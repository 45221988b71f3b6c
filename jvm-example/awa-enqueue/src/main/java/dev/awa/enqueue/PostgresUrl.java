package dev.awa.enqueue;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** JDBC connections from libpq-style {@code postgres://user:password@host:port/db?params} URLs (e.g. DATABASE_URL). */
public final class PostgresUrl {
    private PostgresUrl() {}

    /** Opens a connection through the PostgreSQL JDBC driver, which must be on the classpath. */
    public static Connection connect(String url) throws SQLException {
        URI u = URI.create(url);
        Properties p = new Properties();
        if (u.getRawUserInfo() != null) {
            String[] ui = u.getRawUserInfo().split(":", 2);
            p.setProperty("user", URLDecoder.decode(ui[0], StandardCharsets.UTF_8));
            if (ui.length > 1) p.setProperty("password", URLDecoder.decode(ui[1], StandardCharsets.UTF_8));
        }
        String host = u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
        String q = u.getRawQuery() == null ? "" : "?" + u.getRawQuery();
        return DriverManager.getConnection("jdbc:postgresql://" + host + u.getRawPath() + q, p);
    }
}
