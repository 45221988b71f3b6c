package dev.awa.enqueue;

/**
 * A typed error from the core module: a stable snake_case {@link #code()} (e.g.
 * {@code invalid_json}, {@code priority_out_of_range}), the {@link #field()} it concerns
 * ({@code ""} when none, {@code jobs[3].priority} inside a batch) and a human message.
 * Host-side codes (the same in every awa-enqueue host): {@code invalid_argument} (a Java value
 * the core's WIT types cannot carry: an integer outside the WIT type, a string with an unpaired
 * UTF-16 surrogate, a value the JSON writer cannot write), {@code module_trap} (the module
 * trapped: a bug, the instance is discarded) and {@code abi_mismatch} (the module speaks another
 * ABI version).
 */
public final class AwaEnqueueException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final String field;

    public AwaEnqueueException(String code, String field, String message) {
        super(message);
        this.code = code;
        this.field = field;
    }

    AwaEnqueueException(String code, String field, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.field = field;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }

    @Override
    public String toString() {
        return "AwaEnqueueException[" + code + (field.isEmpty() ? "" : " @ " + field) + "]: " + getMessage();
    }
}
