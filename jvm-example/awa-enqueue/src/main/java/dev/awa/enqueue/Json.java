package dev.awa.enqueue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON writer and reader. The writer turns Java values (Map, Collection, array,
 * String, Number, Boolean, null) into JSON text for job args and metadata; the text is then
 * canonicalized by the core module, never here. Doubles are written with {@link Double#toString},
 * so {@code 1.0} stays a float ({@code 1.0}) and {@code 1} (an Integer/Long) stays an integer: the
 * two give different unique keys. The reader maps objects to {@link LinkedHashMap}, arrays to
 * {@link ArrayList}, integers to {@link BigInteger}, other numbers to {@link BigDecimal}.
 */
public final class Json {
    private Json() {}

    /** JSON text of a Java value. Non-finite doubles are written as-is and rejected by the core. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof CharSequence s) {
            quote(sb, s.toString());
        } else if (v instanceof Boolean b) {
            sb.append(b.booleanValue());
        } else if (v instanceof Double || v instanceof Float) {
            sb.append(((Number) v).doubleValue());
        } else if (v instanceof BigDecimal d) {
            sb.append(d.toString());
        } else if (v instanceof Number n) {
            sb.append(n.toString());
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                if (!(e.getKey() instanceof CharSequence)) {
                    throw new IllegalArgumentException("JSON object keys must be strings, got " + e.getKey());
                }
                quote(sb, e.getKey().toString());
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof Collection<?> c) {
            sb.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) sb.append(',');
                first = false;
                write(sb, o);
            }
            sb.append(']');
        } else if (v instanceof Object[] a) {
            write(sb, List.of(a));
        } else {
            throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
        }
    }

    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    /**
     * Parses one JSON value; throws {@link IllegalArgumentException} where serde_json (the
     * reference runner's parser) fails: malformed text, a string with an unpaired UTF-16 surrogate,
     * more than 127 nested arrays/objects, a number whose value is beyond a double's range.
     */
    public static Object parse(String text) {
        Reader r = new Reader(text);
        r.ws();
        Object v = r.value(0);
        r.ws();
        if (r.i != text.length()) throw r.fail("trailing characters");
        return v;
    }

    private static final BigInteger I64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private static final class Reader {
        final String s;
        int i;

        Reader(String s) {
            this.s = s;
        }

        IllegalArgumentException fail(String what) {
            return new IllegalArgumentException(what + " at offset " + i);
        }

        void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') i++;
                else break;
            }
        }

        /** serde_json's recursion limit: 127 nested arrays/objects parse, 128 do not. */
        static final int MAX_DEPTH = 127;

        Object value(int depth) {
            if (i >= s.length()) throw fail("unexpected end");
            char c = s.charAt(i);
            if ((c == '{' || c == '[') && depth >= MAX_DEPTH) throw fail("recursion limit exceeded");
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (peek('}')) return m;
                    while (true) {
                        ws();
                        if (i >= s.length() || s.charAt(i) != '"') throw fail("expected string key");
                        String k = string();
                        ws();
                        expect(':');
                        ws();
                        m.put(k, value(depth + 1));
                        ws();
                        if (peek('}')) return m;
                        expect(',');
                    }
                }
                case '[': {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (peek(']')) return l;
                    while (true) {
                        ws();
                        l.add(value(depth + 1));
                        ws();
                        if (peek(']')) return l;
                        expect(',');
                    }
                }
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    return number();
            }
        }

        boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        void expect(char c) {
            if (!peek(c)) throw fail("expected '" + c + "'");
        }

        void literal(String word) {
            if (!s.startsWith(word, i)) throw fail("bad literal");
            i += word.length();
        }

        String string() {
            i++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (i >= s.length()) throw fail("unterminated string");
                char c = s.charAt(i++);
                if (c == '"') {
                    String out = sb.toString();
                    if (CoreInstance.loneSurrogate(out) >= 0) throw fail("unpaired UTF-16 surrogate in string");
                    return out;
                }
                if (c < 0x20) throw fail("control character in string");
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (i >= s.length()) throw fail("unterminated escape");
                char e = s.charAt(i++);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        int code = 0;
                        for (int k = 0; k < 4; k++) {
                            int d = i < s.length() ? Character.digit(s.charAt(i), 16) : -1;
                            if (d < 0 || s.charAt(i) > 'f') throw fail("bad \\u escape");
                            code = code * 16 + d;
                            i++;
                        }
                        sb.append((char) code);
                    }
                    default -> throw fail("bad escape");
                }
            }
        }

        private boolean digitAt(int k) {
            return k < s.length() && s.charAt(k) >= '0' && s.charAt(k) <= '9';
        }

        Object number() {
            int start = i;
            boolean integral = true;
            peek('-');
            if (!digitAt(i)) throw fail("unexpected character");
            if (s.charAt(i) == '0') i++;
            else while (digitAt(i)) i++;
            if (peek('.')) {
                integral = false;
                if (!digitAt(i)) throw fail("bad number");
                while (digitAt(i)) i++;
            }
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                integral = false;
                i++;
                if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
                if (!digitAt(i)) throw fail("bad number");
                while (digitAt(i)) i++;
            }
            String t = s.substring(start, i);
            // like serde_json: an integer is one that fits u64 (or i64 when negative), except -0;
            // every other number is a double, and one beyond a double's range fails
            if (integral && !t.equals("-0")) {
                BigInteger n = new BigInteger(t);
                if (n.compareTo(I64_MIN) >= 0 && n.compareTo(U64_MAX) <= 0) return n;
            }
            BigDecimal d = new BigDecimal(t);
            if (Double.isInfinite(d.doubleValue())) throw fail("number out of range");
            return d;
        }
    }
}
