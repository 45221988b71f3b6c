//! Fuzz inputs: one call of one WIT export with its arguments, a pure function of (seed, index).
//!
//! Structure-aware values (gen.rs values in non-canonical spellings, awa-model-valid jobs from
//! oracle.rs), the testdata corpus (every field of every case line) mutated byte by byte, every
//! integer boundary of the WIT types and of the contract, and rare huge inputs: nesting far past
//! 127, MB-size strings, numbers, keys and names, batches up to 20,000 jobs.

use crate::cases::{parse_case, Case};
use crate::gen::{self, Rng};
use crate::{fresh, oracle};
use awa_enqueue::{ErrorCode, FieldStyle, Job, Placeholders, Timestamp, UniqueOpts};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sql {
    Insert,
    TryInsert,
    ExistingJob,
    InsertMany,
    SchemaCheck,
}

/// The WIT `error` record (as a value: within-batch takes any code string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord {
    pub code: String,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one input at a time
pub enum Input {
    ContractInfo,
    Sql(Sql, Placeholders),
    CanonicalJson(String),
    UniqueKey { kind: String, queue: Option<String>, args_json: Option<String>, bucket: Option<i64> },
    StatesBits(u8),
    StatesMask(Vec<String>),
    PeriodBucket { epoch_seconds: i64, period_seconds: i64 },
    OrderingKeyHash64(Vec<u8>),
    ShardForOrderingKey { key: Vec<u8>, shards: i16 },
    PartitionHash64(Vec<u8>),
    PartitionForKey { logical_queue: String, partitions: u32, key: Vec<u8> },
    KindFromTypeName(String),
    Prepare(Job),
    PrepareMany(Vec<Job>),
    InsertManyBinds(Vec<Job>),
    CheckSchema { schema_version: Option<i32>, function_arguments: Option<String> },
    FieldName(String, FieldStyle),
    WithinBatch(u32, ErrorRecord),
}

impl Input {
    /// The WIT export this input calls.
    pub fn export(&self) -> &'static str {
        match self {
            Input::ContractInfo => "contract-info",
            Input::Sql(Sql::Insert, _) => "insert-sql",
            Input::Sql(Sql::TryInsert, _) => "try-insert-sql",
            Input::Sql(Sql::ExistingJob, _) => "existing-job-sql",
            Input::Sql(Sql::InsertMany, _) => "insert-many-sql",
            Input::Sql(Sql::SchemaCheck, _) => "schema-check-sql",
            Input::CanonicalJson(_) => "canonical-json",
            Input::UniqueKey { .. } => "unique-key",
            Input::StatesBits(_) => "unique-states-bits",
            Input::StatesMask(_) => "unique-states-mask",
            Input::PeriodBucket { .. } => "period-bucket",
            Input::OrderingKeyHash64(_) => "ordering-key-hash64",
            Input::ShardForOrderingKey { .. } => "shard-for-ordering-key",
            Input::PartitionHash64(_) => "partition-hash64",
            Input::PartitionForKey { .. } => "partition-for-key",
            Input::KindFromTypeName(_) => "kind-from-type-name",
            Input::Prepare(_) => "prepare",
            Input::PrepareMany(_) => "prepare-many",
            Input::InsertManyBinds(_) => "insert-many-binds",
            Input::CheckSchema { .. } => "check-schema",
            Input::FieldName(..) => "field-name",
            Input::WithinBatch(..) => "within-batch",
        }
    }
}

/// The fields of every case line in testdata/*.jsonl: JSON texts (the lines themselves too),
/// names (kinds, queues, tags, states, fields, messages), run_at texts, keys and jobs.
#[derive(Debug, Default)]
pub struct Corpus {
    texts: Vec<String>,
    names: Vec<String>,
    run_ats: Vec<String>,
    keys: Vec<Vec<u8>>,
    jobs: Vec<Job>,
}

impl Corpus {
    pub fn load() -> std::io::Result<Corpus> {
        let mut files: Vec<_> = std::fs::read_dir(crate::repo_root().join("testdata"))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        files.retain(|p| p.extension().is_some_and(|e| e == "jsonl"));
        files.sort();
        let mut corpus = Corpus::default();
        for file in files {
            for line in std::fs::read_to_string(file)?.lines().filter(|l| !l.trim().is_empty()) {
                corpus.add_line(line);
            }
        }
        for list in [&mut corpus.texts, &mut corpus.names, &mut corpus.run_ats] {
            list.sort();
            list.dedup();
        }
        corpus.keys.sort();
        corpus.keys.dedup();
        corpus.names.push(String::new());
        corpus.keys.push(Vec::new());
        corpus.jobs.push(Job { kind: "k".into(), ..Job::default() });
        Ok(corpus)
    }

    fn add_line(&mut self, line: &str) {
        self.texts.push(line.to_string());
        if let Ok(v) = serde_json::from_str::<Value>(line) {
            self.add_value("", &v);
        }
        match parse_case(line).1 {
            Ok(Case::Prepare(job)) => self.jobs.push(job),
            Ok(Case::PrepareMany(jobs)) => self.jobs.extend(jobs),
            _ => {}
        }
    }

    fn add_value(&mut self, key: &str, v: &Value) {
        match v {
            Value::String(s) if matches!(key, "args_json" | "metadata_json" | "json") => self.texts.push(s.clone()),
            Value::String(s) if key == "run_at" => self.run_ats.push(s.clone()),
            Value::String(s) if key.ends_with("_hex") => self.keys.push(unhex(s)),
            Value::String(s) => self.names.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|item| self.add_value(key, item)),
            Value::Object(map) => map.iter().for_each(|(k, v)| self.add_value(k, v)),
            _ => {}
        }
    }
}

fn unhex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter_map(|b| (b as char).to_digit(16).map(|d| d as u8)).collect();
    digits.chunks(2).map(|p| p.iter().fold(0, |acc, d| acc << 4 | d)).collect()
}

/// Largest huge input (bytes) and batch (jobs).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_batch: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 4 << 20, max_batch: 20_000 }
    }
}

/// Input `index` of the run with `seed`.
pub fn generate(corpus: &Corpus, limits: Limits, seed: u64, index: u64) -> Input {
    let mut seeder = Rng::new(seed ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03));
    let mut g = G { rng: Rng::new(seeder.next_u64()), corpus, limits, variant: None };
    g.input()
}

/// Warm-up input `k`: huge input kind `k % HUGE_KINDS` at its largest size, in shape
/// `k / HUGE_KINDS` (each choice of shape cycles through its options).
pub fn huge(corpus: &Corpus, limits: Limits, seed: u64, k: usize) -> Input {
    let mut g = G { rng: Rng::new(seed ^ 0x3a3a_5eed ^ k as u64), corpus, limits, variant: Some(k / HUGE_KINDS) };
    g.huge(k % HUGE_KINDS, limits.max_bytes)
}

/// Number of kinds of huge input.
pub const HUGE_KINDS: usize = 14;
/// Warm-up rounds that give every shape of every huge kind at least once.
pub const HUGE_SHAPES: usize = 8;

type Draw = fn(&mut G) -> Input;

/// Share of inputs per export in 1/10,000 (cheap calls often, huge inputs rarely) and how each
/// is drawn.
const MIX: [(u32, Draw); 19] = [
    (30, |g| {
        let (kind, size) = (g.rng.below(HUGE_KINDS), g.huge_size());
        g.huge(kind, size)
    }),
    (50, |_| Input::ContractInfo),
    (150, |g| {
        let which = *g.rng.pick(&[Sql::Insert, Sql::TryInsert, Sql::ExistingJob, Sql::InsertMany, Sql::SchemaCheck]);
        Input::Sql(which, *g.rng.pick(&[Placeholders::Dollar, Placeholders::Question]))
    }),
    (2300, |g| Input::CanonicalJson(g.text())),
    (1000, |g| Input::UniqueKey {
        kind: g.name(),
        queue: g.maybe(|g| g.name()),
        args_json: g.maybe(|g| g.text()),
        bucket: g.maybe(|g| g.int()),
    }),
    (200, |g| Input::StatesBits(g.rng.next_u64() as u8)),
    (300, |g| Input::StatesMask(g.state_names())),
    (400, |g| Input::PeriodBucket {
        epoch_seconds: if g.rng.chance(50) { g.seconds() } else { g.int() },
        period_seconds: g.int(),
    }),
    (300, |g| Input::OrderingKeyHash64(g.key())),
    (400, |g| Input::ShardForOrderingKey { key: g.key(), shards: g.small_int() as i16 }),
    (300, |g| Input::PartitionHash64(g.key())),
    (500, |g| Input::PartitionForKey { logical_queue: g.name(), partitions: g.small_int() as u32, key: g.key() }),
    (500, |g| Input::KindFromTypeName(if g.rng.chance(50) { g.camel() } else { g.name() })),
    (1870, |g| Input::Prepare(g.job())),
    (350, |g| Input::PrepareMany(g.jobs())),
    (350, |g| Input::InsertManyBinds(g.jobs())),
    (300, |g| Input::CheckSchema {
        schema_version: g.maybe(|g| g.small_int() as i32),
        function_arguments: g.maybe(|g| g.function_arguments()),
    }),
    (400, |g| {
        let style = *g.rng.pick(&[FieldStyle::Contract, FieldStyle::Camel, FieldStyle::Go]);
        Input::FieldName(g.field(), style)
    }),
    (300, |g| Input::WithinBatch(g.int() as u32, g.error_record())),
];

/// Integer boundaries of the WIT types (s16, s32, s64, u8, u32) and of the contract (priority
/// 1..4, max_attempts 1..1000, 127 depth, 200 characters, 59 bytes, 20 tags, 32767 partitions).
#[rustfmt::skip]
const INT_EDGES: &[i64] = &[
    0, 1, -1, 2, 3, 4, 5, 8, 16, 20, 21, 24, 25, 26, 39, 40, 43, 44, 59, 60, 64, 127, 128, -128, -129, 200, 201,
    255, 256, 999, 1000, 1001, 3600, 86_400,
    i16::MIN as i64 - 1, i16::MIN as i64, i16::MIN as i64 + 1, i16::MAX as i64 - 1, i16::MAX as i64,
    i16::MAX as i64 + 1, u16::MAX as i64, u16::MAX as i64 + 1,
    i32::MIN as i64 - 1, i32::MIN as i64, i32::MAX as i64, i32::MAX as i64 + 1, u32::MAX as i64, u32::MAX as i64 + 1,
    1 << 53, (1 << 53) + 1, i64::MIN, i64::MIN + 1, i64::MAX - 1, i64::MAX,
];

/// Seconds at the edges of what run-at accepts: years 0001 and 9999, the PostgreSQL epoch,
/// chrono's range.
#[rustfmt::skip]
fn seconds_edges() -> [i64; 14] {
    let (min, max) = (DateTime::<Utc>::MIN_UTC.timestamp(), DateTime::<Utc>::MAX_UTC.timestamp());
    [
        -62_135_596_801, -62_135_596_800, -62_135_596_799, 253_402_300_799, 253_402_300_800,
        946_684_799, 946_684_800, -1, 0, 1_764_288_000, min, min - 1, max, max + 1,
    ]
}

const NANOS_EDGES: &[u32] =
    &[0, 1, 999, 1000, 999_999, 1_000_000, 500_000_000, 999_999_999, 1_000_000_000, 1_999_999_999, u32::MAX];

/// Pieces of JSON and of almost-JSON.
#[rustfmt::skip]
const TOKENS: &[&str] = &[
    "[", "]", "{", "}", ":", ",", "\"", "\"a\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\\ud800\"",
    "\"\\ud83d\\ude00\"", "\"\\uD83D\"", "\\u", "\\x41", "\\", "null", "true", "false", "nul", "tru",
    "0", "-0", "01", "1.", ".5", "1e", "1e400", "-1e400", "1e-400", "2.5e-324",
    "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
    "1.7976931348623158e308", "1.7976931348623159e308", "NaN", "Infinity", "-", "+1",
    " ", "\t", "\n", "\r", "\u{c}", "\u{feff}", "\u{0}", "//", "/*", "'a'", "\"\u{1}\"", "\u{1F600}", "\u{fffd}",
];

/// Names that appear in error fields.
#[rustfmt::skip]
const JOB_FIELDS: &[&str] = &[
    "kind", "args", "queue", "priority", "max_attempts", "run_at", "metadata", "tags", "unique", "ordering_key",
    "by_queue", "by_args", "by_period", "states", "period_seconds", "insert_job_compat", "schema_version", "jobs", "",
];

struct G<'a> {
    rng: Rng,
    corpus: &'a Corpus,
    limits: Limits,
    /// The warm-up's shape index for huge inputs (`None`: random shapes).
    variant: Option<usize>,
}

impl G<'_> {
    fn input(&mut self) -> Input {
        let mut roll = self.rng.below(10_000) as u32;
        for (weight, draw) in MIX {
            if roll < weight {
                return draw(self);
            }
            roll -= weight;
        }
        unreachable!("the weights of MIX add up to 10,000")
    }

    fn maybe<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.rng.chance(75) {
            Some(f(self))
        } else {
            None
        }
    }

    /// A boundary (sometimes off by a little), or a random value of any magnitude.
    fn int(&mut self) -> i64 {
        match self.rng.below(4) {
            0 | 1 => {
                let edge = *self.rng.pick(INT_EDGES);
                if self.rng.chance(80) {
                    edge
                } else {
                    edge.wrapping_add(self.rng.below(5) as i64 - 2)
                }
            }
            2 => (self.rng.next_u64() as i64) >> self.rng.below(64),
            _ => self.rng.below(1100) as i64 - 50,
        }
    }

    /// Mostly small values (shards, partitions, versions), else any boundary.
    fn small_int(&mut self) -> i64 {
        if self.rng.chance(50) {
            self.rng.below(70) as i64
        } else {
            self.int()
        }
    }

    fn seconds(&mut self) -> i64 {
        if self.rng.chance(60) {
            let edge = *self.rng.pick(&seconds_edges());
            edge.wrapping_add(if self.rng.chance(70) { 0 } else { self.rng.below(7201) as i64 - 3600 })
        } else {
            self.int()
        }
    }

    fn timestamp(&mut self) -> Timestamp {
        let nanos =
            if self.rng.chance(60) { *self.rng.pick(NANOS_EDGES) } else { self.rng.next_u64() as u32 % 1_000_000_000 };
        Timestamp {
            seconds: self.seconds(),
            nanos: if self.rng.chance(5) { self.rng.next_u64() as u32 } else { nanos },
        }
    }

    /// JSON text: corpus texts, spelled generated values, token soup, numbers, random bytes;
    /// often mutated byte by byte.
    fn text(&mut self) -> String {
        let text = match self.rng.below(10) {
            0..=2 => self.rng.pick(&self.corpus.texts).clone(),
            3..=5 => {
                let v = gen::gen_value(&mut self.rng, 5, true);
                gen::spelled(&mut self.rng, &v)
            }
            6 => gen::gen_string(&mut self.rng, 40, true),
            7 => (0..1 + self.rng.below(24)).map(|_| *self.rng.pick(TOKENS)).collect(),
            8 => self.number(),
            _ => self.bytes_text(64),
        };
        if self.rng.chance(40) {
            self.mutate(text)
        } else {
            text
        }
    }

    fn number(&mut self) -> String {
        let digits =
            |g: &mut Self, n: usize| -> String { (0..n).map(|_| (b'0' + g.rng.below(10) as u8) as char).collect() };
        let mut s = String::new();
        if self.rng.chance(30) {
            s.push('-');
        }
        let n = if self.rng.chance(10) { self.rng.below(400) } else { 1 + self.rng.below(21) };
        s.push_str(&digits(self, n));
        if self.rng.chance(40) {
            s.push('.');
            let n = self.rng.below(30);
            s.push_str(&digits(self, n));
        }
        if self.rng.chance(40) {
            s.push(*self.rng.pick(&['e', 'E']));
            let sign = *self.rng.pick(&["", "+", "-"]);
            s.push_str(sign);
            let n = if self.rng.chance(10) { 20 + self.rng.below(20) } else { self.rng.below(4) };
            s.push_str(&digits(self, n));
        }
        s
    }

    /// Random bytes (biased to JSON's alphabet) as text: invalid UTF-8 becomes U+FFFD, because a
    /// WIT string from Rust is always UTF-8 (what a host does with invalid text is its concern).
    fn bytes_text(&mut self, max: usize) -> String {
        let bytes: Vec<u8> = (0..self.rng.below(max + 1)).map(|_| self.byte()).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn byte(&mut self) -> u8 {
        if self.rng.chance(60) {
            *self.rng.pick(b"[]{}:,\"\\/0123456789.eE+-tnfalsrue \t\n\r")
        } else {
            self.rng.next_u64() as u8
        }
    }

    /// 1 to 4 byte-level edits (flip, set, insert, delete, duplicate, token, splice, truncate).
    fn mutate(&mut self, text: String) -> String {
        let mut b = text.into_bytes();
        for _ in 0..1 + self.rng.below(4) {
            let at = self.rng.below(b.len() + 1);
            let end = (at + 1 + self.rng.below(16)).min(b.len());
            match self.rng.below(8) {
                0 if at < b.len() => b[at] ^= 1 << self.rng.below(8),
                1 if at < b.len() => b[at] = self.byte(),
                2 => {
                    let byte = self.byte();
                    b.insert(at, byte)
                }
                3 => drop(b.drain(at..end)),
                4 => {
                    let piece = b[at..end].repeat(1 + self.rng.below(4));
                    b.splice(at..at, piece);
                }
                5 => {
                    let token = self.rng.pick(TOKENS).as_bytes();
                    b.splice(at..at, token.iter().copied());
                }
                6 => {
                    let other = self.rng.pick(&self.corpus.texts).as_bytes();
                    let from = self.rng.below(other.len() + 1);
                    let to = (from + self.rng.below(64)).min(other.len());
                    b.splice(at..at, other[from..to].iter().copied());
                }
                _ => b.truncate(at),
            }
        }
        String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// Kinds, queues, tags: corpus names, hostile binding values, Unicode, length boundaries.
    fn name(&mut self) -> String {
        match self.rng.below(12) {
            0..=2 => {
                let name = self.rng.pick(&self.corpus.names).clone();
                if self.rng.chance(30) {
                    self.mutate(name)
                } else {
                    name
                }
            }
            3 => self.rng.pick(fresh::HOSTILE_VALUES).to_string(),
            4 | 5 => gen::gen_string(&mut self.rng, 30, true),
            6 => (0..1 + self.rng.below(20)).map(|_| (b'a' + self.rng.below(26) as u8) as char).collect(),
            7 => {
                let c = *self.rng.pick(&["q", "é", "日", "\u{1F600}", "\u{0}"]);
                c.repeat(*self.rng.pick(&[14, 15, 19, 20, 29, 30, 59, 60, 199, 200, 201]))
            }
            8 => self.rng.pick(&awa_enqueue::unique::STATES).to_string(),
            9 => String::new(),
            10 => self.camel(),
            _ => self.text(),
        }
    }

    /// A type name for kind-from-type-name: runs of upper/lower/digit/underscore/Unicode case.
    fn camel(&mut self) -> String {
        #[rustfmt::skip]
        const PARTS: &[&str] = &[
            "Send", "Email", "HTTP", "PDF", "IO", "Job", "V2", "2", "_", "a", "B", "É", "Σ", "ς", "İ", "ǅ", "Ⅷ",
            "ⓐ", "Ⓑ", "ꭰ", "ß", "日本", "\u{1F600}", "ABCdef", "xY",
        ];
        (0..self.rng.below(8)).map(|_| *self.rng.pick(PARTS)).collect()
    }

    fn key(&mut self) -> Vec<u8> {
        match self.rng.below(5) {
            0 => Vec::new(),
            1 => self.rng.pick(&self.corpus.keys).clone(),
            2 => self.name().into_bytes(),
            _ => (0..self.rng.below(64)).map(|_| self.rng.next_u64() as u8).collect(),
        }
    }

    fn state_names(&mut self) -> Vec<String> {
        (0..self.rng.below(10))
            .map(|_| {
                if self.rng.chance(80) {
                    self.rng.pick(&awa_enqueue::unique::STATES).to_string()
                } else {
                    self.name()
                }
            })
            .collect()
    }

    fn run_at(&mut self) -> String {
        match self.rng.below(6) {
            0 => {
                let text = self.rng.pick(&self.corpus.run_ats).clone();
                if self.rng.chance(50) {
                    self.mutate(text)
                } else {
                    text
                }
            }
            1 | 2 => {
                let t = self.timestamp();
                let secs = t.seconds.clamp(-62_135_596_800, 253_402_300_799);
                let t = Utc.timestamp_opt(secs, t.nanos % 1_000_000_000).single().unwrap_or_default();
                oracle::spell_run_at(&mut self.rng, &t)
            }
            3 | 4 => {
                let year =
                    *self.rng.pick(&["0000", "0001", "1969", "1999", "2000", "2026", "9999", "10000", "+2026", "26"]);
                let month = *self.rng.pick(&["00", "01", "02", "12", "13", "1"]);
                let day = *self.rng.pick(&["00", "01", "28", "29", "30", "31", "32"]);
                let sep = *self.rng.pick(&["T", "t", " ", "_", ""]);
                let time =
                    *self.rng.pick(&["00:00:00", "23:59:59", "23:59:60", "24:00:00", "12:00", "1:2:3", "12:00:00"]);
                let frac =
                    *self.rng.pick(&["", "", ".", ".0", ".123456789", ".1234567891234", ",5", ".9999995", ".0000005"]);
                let zone = *self
                    .rng
                    .pick(&["Z", "z", "+00:00", "-00:00", "+14:00", "-23:59", "+24:00", "+99:99", "+0100", ""]);
                format!("{year}-{month}-{day}{sep}{time}{frac}{zone}")
            }
            _ => self.name(),
        }
    }

    fn tags(&mut self) -> Vec<String> {
        let n = *self.rng.pick(&[0, 0, 1, 2, 5, 19, 20, 21, 30]);
        (0..n).map(|_| self.name()).collect()
    }

    fn unique(&mut self) -> UniqueOpts {
        UniqueOpts {
            by_queue: self.maybe(|g| g.rng.chance(50)),
            by_args: self.maybe(|g| g.rng.chance(50)),
            by_period: self.maybe(|g| g.int()),
            states: if self.rng.chance(50) { Some(self.rng.next_u64() as u8) } else { None },
            state_names: if self.rng.chance(20) { Some(self.state_names()) } else { None },
        }
    }

    /// A corpus job, an awa-model-valid generated job, or random fields; then 0 to 2 fields
    /// replaced by fuzzed values.
    fn job(&mut self) -> Job {
        let mut job = match self.rng.below(10) {
            0..=2 => self.rng.pick(&self.corpus.jobs).clone(),
            3..=6 => self.valid_job(),
            _ => Job {
                kind: self.name(),
                args_json: self.maybe(|g| g.text()),
                queue: self.maybe(|g| g.name()),
                priority: self.maybe(|g| g.int()),
                max_attempts: self.maybe(|g| g.int()),
                run_at: self.maybe(|g| g.run_at()),
                run_at_time: if self.rng.chance(20) { Some(self.timestamp()) } else { None },
                metadata_json: self.maybe(|g| g.text()),
                tags: self.tags(),
                unique: self.maybe(|g| g.unique()),
                ordering_key: self.maybe(|g| g.key()),
                traceparent: self.maybe(|g| g.text()),
            },
        };
        for _ in 0..self.rng.below(3) {
            self.mutate_job(&mut job);
        }
        job
    }

    /// oracle.rs's awa-model-valid job, JSON spelled non-canonically, run_at as text or instant.
    fn valid_job(&mut self) -> Job {
        let j = oracle::gen_job(&mut self.rng);
        let as_text = self.rng.chance(50);
        Job {
            kind: j.kind,
            args_json: j.args.map(|v| gen::spelled(&mut self.rng, &v)),
            queue: j.queue,
            priority: j.priority.map(i64::from),
            max_attempts: j.max_attempts.map(i64::from),
            run_at: j.run_at.filter(|_| as_text).map(|t| oracle::spell_run_at(&mut self.rng, &t)),
            run_at_time: j
                .run_at
                .filter(|_| !as_text)
                .map(|t| Timestamp { seconds: t.timestamp(), nanos: t.timestamp_subsec_nanos() }),
            metadata_json: j.metadata.map(|v| gen::spelled(&mut self.rng, &v)),
            tags: j.tags.unwrap_or_default(),
            unique: j.unique.map(|u| UniqueOpts {
                by_queue: u.by_queue,
                by_args: u.by_args,
                by_period: u.by_period,
                states: u.states,
                state_names: u.state_names,
            }),
            ordering_key: j.ordering_key,
            traceparent: None,
        }
    }

    fn mutate_job(&mut self, j: &mut Job) {
        match self.rng.below(12) {
            0 => j.kind = self.name(),
            1 => j.args_json = self.maybe(|g| g.text()),
            2 => j.queue = self.maybe(|g| g.name()),
            3 => j.priority = self.maybe(|g| g.int()),
            4 => j.max_attempts = self.maybe(|g| g.int()),
            5 => j.run_at = self.maybe(|g| g.run_at()),
            6 => j.run_at_time = self.maybe(|g| g.timestamp()),
            7 => j.metadata_json = self.maybe(|g| g.text()),
            8 => j.tags = self.tags(),
            9 => j.unique = self.maybe(|g| g.unique()),
            10 => j.ordering_key = self.maybe(|g| g.key()),
            _ => j.args_json = j.args_json.take().map(|t| self.mutate(t)),
        }
    }

    fn jobs(&mut self) -> Vec<Job> {
        let n = if self.rng.chance(3) { 0 } else { 1 + self.rng.below(12) };
        (0..n).map(|_| if self.rng.chance(85) { self.valid_job() } else { self.job() }).collect()
    }

    fn function_arguments(&mut self) -> String {
        let expected = awa_enqueue::schema::EXPECTED_FUNCTION_ARGUMENTS;
        match self.rng.below(5) {
            0 | 1 => expected.to_string(),
            2 => self.mutate(expected.to_string()),
            3 => format!("{expected}\n{}", self.name()),
            _ => self.name(),
        }
    }

    /// An error field: a path of job properties, indexes and names, or any name.
    fn field(&mut self) -> String {
        if self.rng.chance(20) {
            return self.name();
        }
        let parts: Vec<String> = (0..1 + self.rng.below(4))
            .map(|_| {
                let name = if self.rng.chance(80) { self.rng.pick(JOB_FIELDS).to_string() } else { self.name() };
                if self.rng.chance(30) {
                    format!("{name}[{}]", self.int() as u32)
                } else {
                    name
                }
            })
            .collect();
        parts.join(".")
    }

    fn error_record(&mut self) -> ErrorRecord {
        let code = if self.rng.chance(80) { self.rng.pick(&ErrorCode::ALL).as_str().to_string() } else { self.name() };
        ErrorRecord { code, field: self.field(), message: self.name() }
    }

    /// Log-uniform size of a huge input: 1 KiB up to `max_bytes`.
    fn huge_size(&mut self) -> usize {
        let max_log = usize::BITS - 1 - self.limits.max_bytes.max(1024).leading_zeros();
        let n = 1usize << (10 + self.rng.below(max_log as usize - 9));
        (n / 2 + self.rng.below(n / 2 + 1)).min(self.limits.max_bytes)
    }

    /// One of `n` shapes of a huge input: the warm-up's variant, else random.
    fn shape<'s, T>(&mut self, shapes: &'s [T]) -> &'s T {
        match self.variant {
            Some(v) => &shapes[v % shapes.len()],
            None => self.rng.pick(shapes),
        }
    }

    /// Huge input of kind `kind` (0..HUGE_KINDS) with about `n` bytes of input.
    fn huge(&mut self, kind: usize, n: usize) -> Input {
        match kind {
            0 => Input::CanonicalJson(self.deep(n)),
            1 => Input::CanonicalJson(self.huge_string(n)),
            2 => Input::CanonicalJson(self.huge_number(n)),
            3 => Input::CanonicalJson(self.huge_container(n)),
            4 => {
                let mut job = self.valid_job();
                match *self.shape(&[0, 1, 2, 3, 4, 5, 6, 7]) {
                    0 => job.args_json = Some(self.huge_text(n)),
                    1 => job.metadata_json = Some(self.huge_text(n)),
                    2 => job.kind = self.huge_name(n),
                    3 => job.queue = Some(self.huge_name(n)),
                    4 => job.tags = (0..20).map(|_| self.huge_name(n / 20)).collect(),
                    5 => job.tags = (0..n / 16).map(|_| self.name()).collect(),
                    6 => job.run_at = Some(format!("2026-01-01T00:00:00.{}Z", "9".repeat(n))),
                    _ => job.ordering_key = Some(self.huge_name(n).into_bytes()),
                }
                Input::Prepare(job)
            }
            5 => Input::UniqueKey {
                kind: self.huge_name(n / 4),
                queue: Some(self.huge_name(n / 4)),
                args_json: Some(self.huge_text(n / 2)),
                bucket: Some(self.int()),
            },
            6 => Input::PrepareMany(self.batch(n)),
            7 => Input::InsertManyBinds(self.batch(n)),
            8 => {
                let path = (0..n / 24).map(|i| format!("jobs[{i}].unique.by_period")).collect::<Vec<_>>().join(".");
                Input::FieldName(path, *self.shape(&[FieldStyle::Camel, FieldStyle::Go]))
            }
            9 => Input::WithinBatch(
                u32::MAX,
                ErrorRecord {
                    code: self.huge_name(n / 4),
                    field: self.huge_name(n / 2),
                    message: self.huge_name(n / 4),
                },
            ),
            10 => Input::CheckSchema { schema_version: Some(40), function_arguments: Some(self.huge_name(n)) },
            11 => {
                let key = self.huge_name(n).into_bytes();
                match *self.shape(&[0, 1, 2, 3]) {
                    0 => Input::OrderingKeyHash64(key),
                    1 => Input::ShardForOrderingKey { key, shards: i16::MAX },
                    2 => Input::PartitionHash64(key),
                    _ => Input::PartitionForKey { logical_queue: self.huge_name(n / 2), partitions: 32767, key },
                }
            }
            12 => Input::KindFromTypeName(self.huge_name(n)),
            _ => Input::StatesMask(
                (0..n / 10).map(|_| self.rng.pick(&awa_enqueue::unique::STATES).to_string()).collect(),
            ),
        }
    }

    /// About `n` bytes of one repeated piece (ASCII, 2- and 4-byte UTF-8, case changes, BOM),
    /// sometimes with U+0000 at the end.
    fn huge_name(&mut self, n: usize) -> String {
        let piece = *self.shape(&["k", "é", "\u{1F600}", "AbC", "\u{feff}", "aB1_"]);
        let mut s = piece.repeat(n / piece.len());
        if self.rng.chance(10) {
            s.push('\0');
        }
        s
    }

    fn huge_text(&mut self, n: usize) -> String {
        match *self.shape(&[0, 1, 2, 3]) {
            0 => self.deep(n),
            1 => self.huge_string(n),
            2 => self.huge_number(n),
            _ => self.huge_container(n),
        }
    }

    /// Nesting far past 127: `[` (closed or not), `{"a":`, mixed, after a valid prefix.
    fn deep(&mut self, n: usize) -> String {
        let depth = (*self.shape(&[n, 128, 100_000, 129, 1000, 127])).min(n);
        match *self.shape(&[0, 1, 2, 3]) {
            0 => "[".repeat(depth),
            1 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
            2 => format!("{}1{}", "{\"a\":".repeat(depth / 5), "}".repeat(depth / 5)),
            _ => format!("{{\"k\":[1,{}", "[{\"a\":".repeat(depth / 6)),
        }
    }

    /// A JSON string of about `n` bytes of one character or escape; sometimes unterminated or
    /// with U+0000, a lone surrogate or a control character at the end.
    fn huge_string(&mut self, n: usize) -> String {
        let unit = *self.shape(&["a", "é", "\u{1F600}", "\\u00e9", "\\ud83d\\ude00", "\\\\", "\\\"", "\\n"]);
        let end = *self.shape(&["\"", "", "\\u0000\"", "\\ud800\"", "\u{1}\"", "\""]);
        format!("\"{}{end}", unit.repeat(n / unit.len()))
    }

    /// A number of about `n` digits: huge integers, long fractions, huge exponents.
    fn huge_number(&mut self, n: usize) -> String {
        let zeros = "0".repeat(n);
        match *self.shape(&[0, 1, 2, 3, 4, 5]) {
            0 => format!("1{zeros}"),
            1 => format!("-0.{zeros}1"),
            2 => format!("1e{}", "9".repeat(n)),
            3 => format!("1.{}1e-{}", &zeros[..n / 2], &zeros[..n / 2]),
            4 => format!("0.{zeros}1e{}", n + 1),
            _ => format!("[1{zeros}.5e-{n}]"),
        }
    }

    /// About `n` bytes of elements: numbers, empty arrays, distinct keys, one repeated key.
    fn huge_container(&mut self, n: usize) -> String {
        match *self.shape(&[0, 1, 2, 3]) {
            0 => format!("[{}1.5]", "1.5,".repeat(n / 4)),
            1 => format!("[{}[]]", "[],".repeat(n / 3)),
            2 => format!("{{{}\"z\":0}}", (0..n / 12).map(|i| format!("\"k{}\":{i},", n - i)).collect::<String>()),
            _ => format!("{{{}\"a\":0}}", "\"a\":[1,{}],".repeat(n / 12)),
        }
    }

    /// A batch of about `n` bytes of jobs, at most `max_batch`: many small jobs, or a few
    /// generated templates repeated with per-job ordering keys and priorities; now and then one
    /// bad job.
    fn batch(&mut self, n: usize) -> Vec<Job> {
        let templates: Vec<Job> = if *self.shape(&[true, false]) {
            (0..4)
                .map(|i| Job { kind: format!("k{i}"), args_json: Some(format!("{{\"i\":{i}}}")), ..Job::default() })
                .collect()
        } else {
            (0..4).map(|_| self.valid_job()).collect()
        };
        let size = templates.iter().map(job_bytes).max().unwrap_or(0) + 32;
        let len = (n / size).clamp(1, self.limits.max_batch);
        let mut jobs: Vec<Job> = (0..len)
            .map(|i| {
                let mut job = templates[i % templates.len()].clone();
                job.ordering_key = Some((i as u32).to_le_bytes().to_vec());
                job.priority = Some(1 + (i % 4) as i64);
                job
            })
            .collect();
        if self.rng.chance(20) {
            let at = self.rng.below(len);
            self.mutate_job(&mut jobs[at]);
        }
        jobs
    }
}

/// Bytes of a job's text and byte fields.
fn job_bytes(j: &Job) -> usize {
    let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    j.kind.len()
        + opt(&j.args_json)
        + opt(&j.queue)
        + opt(&j.run_at)
        + opt(&j.metadata_json)
        + j.tags.iter().map(String::len).sum::<usize>()
        + j.ordering_key.as_ref().map_or(0, Vec::len)
}
