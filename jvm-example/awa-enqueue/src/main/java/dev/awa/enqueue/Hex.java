package dev.awa.enqueue;

import java.util.HexFormat;

/** Lowercase hex, for keys in logs, tests and the conformance runner. */
public final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {}

    public static String encode(byte[] b) {
        return b == null ? null : HEX.formatHex(b);
    }

    /** Throws IllegalArgumentException on odd length or a non-hex digit. */
    public static byte[] decode(String s) {
        return HEX.parseHex(s);
    }
}
