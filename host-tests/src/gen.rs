//! Deterministic generator of native values and of non-canonical JSON spellings of them.
//! Expected results come from awa-model over the native values (see `oracle`); the library
//! under test only ever sees the spelled text.

use serde_json::{Map, Number, Value};

/// SplitMix64: small, deterministic, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SPECIAL_CHARS: &[char] = &[
    '\u{feff}',
    '\u{fffe}',
    '\u{301}',
    '\u{200d}',
    '\u{80}',
    '\u{85}',
    '\u{9f}',
    '"',
    '\\',
    '/',
    '\u{7f}',
    '\u{2028}',
    '\u{2029}',
    'é',
    '日',
    '本',
    '\u{1F600}',
    '\u{1F389}',
    '\u{e000}',
    '\u{ffff}',
    '\u{10ffff}',
    '\u{1}',
    '\u{8}',
    '\u{9}',
    '\u{a}',
    '\u{c}',
    '\u{d}',
    '\u{1f}',
    ' ',
    'É',
    'ß',
    'İ',
    'Σ',
    'ǅ',
    'Ⅷ',
];

pub fn gen_char(rng: &mut Rng, allow_nul: bool) -> char {
    match rng.below(10) {
        0..=4 => (b' ' + rng.below(95) as u8) as char,
        5..=7 => *rng.pick(SPECIAL_CHARS),
        8 => char::from_u32(1 + rng.below(0x1f) as u32).unwrap_or('a'),
        _ => {
            if allow_nul && rng.chance(20) {
                return '\0';
            }
            loop {
                if let Some(c) = char::from_u32(rng.below(0x11_0000) as u32) {
                    if c != '\0' {
                        return c;
                    }
                }
            }
        }
    }
}

/// Sequences whose parts must survive together: ZWJ emoji, combining marks, flags, CRLF.
const SPECIAL_STRINGS: &[&str] = &[
    "\u{1F469}\u{200D}\u{1F4BB}",
    "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
    "e\u{301}",
    "\u{1F1F3}\u{1F1FF}",
    "\r\n",
    "\u{feff}\u{feff}",
];

/// A string of at most `max_chars` characters drawn from plain ASCII, the special characters
/// (BOM, noncharacters, combining marks, ZWJ, C0/C1 controls, ...) and any scalar value, with a
/// BOM or another special sequence at the start, the end or inside now and then.
pub fn gen_string(rng: &mut Rng, max_chars: usize, allow_nul: bool) -> String {
    let n = rng.below(max_chars + 1);
    let mut out: Vec<String> = (0..n).map(|_| gen_char(rng, allow_nul).to_string()).collect();
    if n > 0 && rng.chance(8) {
        let special = if rng.chance(50) { "\u{feff}" } else { *rng.pick(SPECIAL_STRINGS) };
        let at = match rng.below(3) {
            0 => 0,
            1 => n - 1,
            _ => rng.below(n),
        };
        out[at] = special.to_string();
        while out.concat().chars().count() > max_chars {
            out.pop();
        }
    }
    out.concat()
}

const SPECIAL_FLOATS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.1,
    0.2,
    0.30000000000000004,
    1e21,
    1e22,
    1e-7,
    1.5e-7,
    5e-324,
    2.2250738585072014e-308,
    2.225073858507201e-308,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    9007199254740992.0,
    9007199254740994.0,
    9223372036854775808.0,
    18446744073709551616.0,
    123456.789,
    1e15,
    1e16,
    1e17,
    0.5,
    2.5,
    1e100,
    4.35,
    0.000001,
    1e-6,
    1e-5,
    8.41e21,
    1.0e-300,
    std::f64::consts::PI,
    std::f64::consts::E,
    100.0,
    1e20,
];

pub fn gen_f64(rng: &mut Rng) -> f64 {
    loop {
        let x = match rng.below(4) {
            0 => *rng.pick(SPECIAL_FLOATS),
            1 => f64::from_bits(rng.next_u64()),
            2 => {
                let digits = 1 + rng.below(20);
                let mantissa: String = (0..digits).map(|_| (b'0' + rng.below(10) as u8) as char).collect();
                let exp = rng.below(80) as i32 - 40;
                format!("{mantissa}e{exp}").parse().unwrap_or(0.0)
            }
            _ => (rng.next_u64() % 2_000_001) as f64 / 1000.0 - 1000.0,
        };
        if x.is_finite() {
            return if rng.chance(10) { -x } else { x };
        }
    }
}

const SPECIAL_INTS: &[i64] =
    &[0, 1, -1, i64::MAX, i64::MIN, i64::MIN + 1, 9007199254740993, -9007199254740993, 255, 12345];

pub fn gen_number(rng: &mut Rng) -> Value {
    match rng.below(5) {
        0 => Value::from(*rng.pick(SPECIAL_INTS)),
        1 => Value::from(rng.next_u64() as i64 >> rng.below(64)),
        2 => Value::from(if rng.chance(50) { u64::MAX } else { (1u64 << 63) + rng.next_u64() % (1u64 << 63) }),
        _ => Number::from_f64(gen_f64(rng)).map(Value::Number).unwrap_or(Value::Null),
    }
}

pub fn gen_value(rng: &mut Rng, depth: usize, allow_nul: bool) -> Value {
    let leaf = depth == 0 || rng.chance(40);
    if leaf {
        return match rng.below(6) {
            0 => Value::Null,
            1 => Value::Bool(rng.chance(50)),
            2 | 3 => gen_number(rng),
            _ => Value::String(gen_string(rng, 12, allow_nul)),
        };
    }
    if rng.chance(40) {
        Value::Array((0..rng.below(5)).map(|_| gen_value(rng, depth - 1, allow_nul)).collect())
    } else {
        gen_object(rng, depth, allow_nul)
    }
}

pub fn gen_object(rng: &mut Rng, depth: usize, allow_nul: bool) -> Value {
    let mut map = Map::new();
    for _ in 0..rng.below(6) {
        let key = if rng.chance(50) { gen_string(rng, 4, false) } else { gen_string(rng, 8, allow_nul) };
        map.insert(key, gen_value(rng, depth.saturating_sub(1), allow_nul));
    }
    Value::Object(map)
}

fn ws(rng: &mut Rng, out: &mut String) {
    if rng.chance(30) {
        for _ in 0..1 + rng.below(3) {
            out.push(*rng.pick(&[' ', '\t', '\n', '\r']));
        }
    }
}

fn hex4(rng: &mut Rng, unit: u32) -> String {
    let s = format!("{unit:04x}");
    if rng.chance(50) {
        s.to_uppercase()
    } else {
        s
    }
}

pub fn spell_string(rng: &mut Rng, s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        let escape = rng.chance(20);
        match c {
            '"' => out.push_str(if escape { "\\u0022" } else { "\\\"" }),
            '\\' => out.push_str(if escape { "\\u005C" } else { "\\\\" }),
            '/' if escape => out.push_str("\\/"),
            '\u{8}' if !escape => out.push_str("\\b"),
            '\u{c}' if !escape => out.push_str("\\f"),
            '\n' if !escape => out.push_str("\\n"),
            '\r' if !escape => out.push_str("\\r"),
            '\t' if !escape => out.push_str("\\t"),
            c if (c as u32) < 0x20 || escape => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str("\\u");
                    out.push_str(&hex4(rng, u32::from(*unit)));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Exact decimal expansion of a finite double, as (integer digits, fraction digits).
fn exact_decimal(x: f64) -> (String, String) {
    let s = format!("{:.1100}", x.abs());
    let (i, f) = s.split_once('.').unwrap_or((&s, ""));
    (i.to_string(), f.trim_end_matches('0').to_string())
}

/// (a + b) / 2 for non-negative exact decimals, exactly.
fn decimal_midpoint(a: (String, String), b: (String, String)) -> (String, String) {
    let flen = a.1.len().max(b.1.len());
    let ilen = a.0.len().max(b.0.len()) + 1;
    let digits = |(i, f): &(String, String)| -> Vec<u8> {
        format!("{:0>ilen$}{:0<flen$}", i, f).bytes().map(|d| d - b'0').collect()
    };
    let (da, db) = (digits(&a), digits(&b));
    let mut sum = vec![0u8; da.len()];
    let mut carry = 0;
    for k in (0..da.len()).rev() {
        let t = da[k] + db[k] + carry;
        sum[k] = t % 10;
        carry = t / 10;
    }
    sum.push(0);
    let mut rem = 0;
    for d in sum.iter_mut() {
        let t = rem * 10 + *d;
        *d = t / 2;
        rem = t % 2;
    }
    let text: String = sum.iter().map(|d| (b'0' + d) as char).collect();
    let (i, f) = text.split_at(ilen);
    let i = i.trim_start_matches('0');
    (if i.is_empty() { "0".into() } else { i.into() }, f.trim_end_matches('0').to_string())
}

/// JSON allows no leading zero before other integer digits (`0999.9` is invalid).
fn join(neg: bool, (i, f): &(String, String)) -> String {
    let i = i.trim_start_matches('0');
    let i = if i.is_empty() { "0" } else { i };
    format!("{}{}.{}", if neg { "-" } else { "" }, i, if f.is_empty() { "0" } else { f })
}

/// A spelling whose correctly rounded value is still `x`, chosen among several families.
pub fn spell_float(rng: &mut Rng, x: f64) -> String {
    let neg = x.is_sign_negative();
    let a = x.abs();
    match rng.below(7) {
        0 => serde_json::to_string(&x).unwrap_or_default(),
        1 => {
            let s = format!("{a:e}");
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            let exp: i32 = e.parse().unwrap_or(0);
            let e_char = if rng.chance(50) { "e" } else { "E" };
            let sign = if exp < 0 {
                "-"
            } else if rng.chance(50) {
                "+"
            } else {
                ""
            };
            let pad = "0".repeat(rng.below(3));
            format!("{}{m}{e_char}{sign}{pad}{}", if neg { "-" } else { "" }, exp.abs())
        }
        2 => join(neg, &exact_decimal(a)),
        3 => {
            // Shifted mantissa: digits with the point moved, compensated by the exponent.
            let (i, f) = exact_decimal(a);
            let shift = rng.below(5) as i32;
            let digits = format!("{i}{f}");
            format!(
                "{}0.{}{}e{}",
                if neg { "-" } else { "" },
                "0".repeat(shift as usize),
                digits,
                i.len() as i32 + shift
            )
            .replacen("e", if rng.chance(50) { "e" } else { "E+" }, 1)
            .replace("E+-", "E-")
        }
        4 if a > 0.0 && a < f64::MAX => {
            // Just below the midpoint with the next double up.
            let up = f64::from_bits(a.to_bits() + 1);
            let (i, f) = decimal_midpoint(exact_decimal(a), exact_decimal(up));
            let mut digits: Vec<u8> = format!("{i}{f}{}", "0".repeat(20)).into_bytes();
            let mut k = digits.len() - 1;
            loop {
                if digits[k] > b'0' {
                    digits[k] -= 1;
                    break;
                }
                digits[k] = b'9';
                k -= 1;
            }
            let text = String::from_utf8(digits).unwrap_or_default();
            let (ni, nf) = text.split_at(i.len());
            join(neg, &(ni.to_string(), nf.to_string()))
        }
        5 if a > 0.0 => {
            // Just above the midpoint with the next double down.
            let down = f64::from_bits(a.to_bits() - 1);
            let (i, f) = decimal_midpoint(exact_decimal(down), exact_decimal(a));
            join(neg, &(i, format!("{f}{}1", "0".repeat(20))))
        }
        6 if a > 0.0 && a < f64::MAX && a.to_bits().is_multiple_of(2) => {
            // Exact tie with the next double up: rounds to the even mantissa, which is `a`.
            let up = f64::from_bits(a.to_bits() + 1);
            join(neg, &decimal_midpoint(exact_decimal(a), exact_decimal(up)))
        }
        _ => {
            let (i, f) = exact_decimal(a);
            join(neg, &(i, format!("{f}{}", "0".repeat(1 + rng.below(4)))))
        }
    }
}

/// A non-canonical JSON spelling of `v`: shuffled keys, whitespace, escapes, number forms.
pub fn spell(rng: &mut Rng, v: &Value, out: &mut String) {
    ws(rng, out);
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => out.push_str(&u.to_string()),
            (_, Some(i), _) => out.push_str(&i.to_string()),
            (_, _, Some(f)) => out.push_str(&spell_float(rng, f)),
            _ => out.push_str("null"),
        },
        Value::String(s) => spell_string(rng, s, out),
        Value::Array(items) => {
            out.push('[');
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    ws(rng, out);
                    out.push(',');
                }
                spell(rng, item, out);
                ws(rng, out);
            }
            if items.is_empty() {
                ws(rng, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            for k in (1..entries.len()).rev() {
                entries.swap(k, rng.below(k + 1));
            }
            out.push('{');
            for (k, (key, value)) in entries.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                ws(rng, out);
                spell_string(rng, key, out);
                ws(rng, out);
                out.push(':');
                spell(rng, value, out);
                ws(rng, out);
            }
            if entries.is_empty() {
                ws(rng, out);
            }
            out.push('}');
        }
    }
    ws(rng, out);
}

pub fn spelled(rng: &mut Rng, v: &Value) -> String {
    let mut out = String::new();
    spell(rng, v, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_float_spelling_is_json_for_the_same_double() {
        let mut rng = Rng::new(1621899721);
        let samples = [1e23, -1e23, 1e22, 9.5, 0.1, 5e-324, 1.7976931348623157e308, 1e21];
        for &x in &samples {
            for _ in 0..400 {
                let text = spell_float(&mut rng, x);
                let back: f64 = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text} is not JSON: {e}"));
                assert_eq!(back.to_bits(), x.to_bits(), "{text}");
            }
        }
    }
}
