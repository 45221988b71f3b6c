//! Kind from a type name, by Awa's CamelCase rule (`#[derive(JobArgs)]`, Python `derive_kind`).
//!
//! Over Unicode scalar values: a non-uppercase character is kept; an uppercase one becomes the
//! first character of its lowercase mapping, preceded by `_` when it is not first and the
//! previous character is lowercase or an ASCII digit, or the previous is uppercase and the next
//! exists and is lowercase.

pub fn kind_from_type_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_uppercase() {
            out.push(c);
            continue;
        }
        if i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_is_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase().next());
    }
    out
}
