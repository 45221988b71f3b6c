package dev.awa.enqueue;

/** What the loaded core module speaks: the Awa release, its ABI and the schema versions it supports. */
public record Contract(String awaVersion, long abiVersion, int minSchemaVersion, int maxTestedSchemaVersion) {}
