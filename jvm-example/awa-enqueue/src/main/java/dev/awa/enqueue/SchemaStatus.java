package dev.awa.enqueue;

/**
 * The database's Awa schema as seen by {@link AwaEnqueue#checkSchema}: its version, and whether
 * that version is within the versions this contract was tested against.
 */
public record SchemaStatus(int schemaVersion, boolean tested) {}
