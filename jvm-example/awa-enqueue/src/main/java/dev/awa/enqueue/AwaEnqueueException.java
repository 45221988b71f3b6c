package dev.awa.enqueue;

/**
 * A typed error: a stable snake_case {@link #code()} (e.g. {@code invalid_json},
 * {@code priority_out_of_range}), the input it concerns ({@code ""} when none) and a human
 * message. {@link #field()} names the input in Java's camelCase ({@code maxAttempts},
 * {@code jobs[3].unique.byPeriod}), {@link #contractField()} in the contract's snake_case
 * ({@code max_attempts}, {@code jobs[3].unique.by_period}, as the conformance format prints it);
 * both spellings come from the core.
 *
 * <p>Codes the core reports are listed in {@code docs/architecture.md}. Host-side codes, the same
 * in every awa-enqueue host: {@code invalid_argument} (a Java value the core's interface cannot
 * carry: a string with an unpaired UTF-16 surrogate, an integer outside its range, a value the JSON
 * writer cannot write), {@code module_trap} (the module trapped: a bug; the instance is discarded)
 * and {@code abi_mismatch} (the module does not speak the ABI this library was written for).
 */
public final class AwaEnqueueException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final String contractField;
    private final String field;

    AwaEnqueueException(String code, String contractField, String field, String message) {
        super(message);
        this.code = code;
        this.contractField = contractField;
        this.field = field;
    }

    AwaEnqueueException(String code, String contractField, String field, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.contractField = contractField;
        this.field = field;
    }

    /** The stable error code. */
    public String code() {
        return code;
    }

    /** The input in Java's spelling ({@code jobs[3].runAt}; {@code ""} when none). */
    public String field() {
        return field;
    }

    /** The input in the contract's spelling ({@code jobs[3].run_at}; {@code ""} when none). */
    public String contractField() {
        return contractField;
    }

    @Override
    public String toString() {
        return "AwaEnqueueException[" + code + (field.isEmpty() ? "" : " @ " + field) + "]: " + getMessage();
    }
}
