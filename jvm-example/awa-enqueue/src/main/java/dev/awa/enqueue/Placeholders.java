package dev.awa.enqueue;

/** How the core's SQL text numbers its parameters: PostgreSQL's {@code $1, $2, ...} or JDBC's {@code ?}. */
public enum Placeholders {
    DOLLAR(Layout.PLACEHOLDERS_DOLLAR),
    QUESTION(Layout.PLACEHOLDERS_QUESTION);

    final int wit;

    Placeholders(int wit) {
        this.wit = wit;
    }
}
