//! Structure-aware and mutation fuzzer over every export of the WIT interface, natively and
//! through the wasm component in wasmtime (stable Rust: no libFuzzer).
//!
//! Input `i` of a run is a pure function of (seed, i) and testdata/ (see `input`). Each input
//! runs on the native core and on the component; the two must agree exactly (values, error code,
//! field and message); errors must carry an `ErrorCode`; awa-model 0.6.9 and the batch rule
//! check the outputs they can compute (`expect`). Each thread owns one instance: it first runs
//! the warm-up (every kind of huge input at its largest size), then inputs t, t+T, t+2T, ...; its
//! linear memory after the warm-up must not grow by more than a small slack during the run.

pub mod exec;
pub mod expect;
pub mod input;

use exec::{Out, Wasm};
use input::{Corpus, Input, Limits};
use std::collections::BTreeMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Config {
    pub inputs: u64,
    pub seed: u64,
    pub native: bool,
    pub wasm: bool,
    pub threads: usize,
    /// Run only this input (no warm-up): replay of a reproducer.
    pub only: Option<u64>,
    pub limits: Limits,
    /// Warm-up rounds over the huge input kinds (0 = none).
    pub warmup_rounds: usize,
    /// Linear memory the module may grow to (bytes); growing past it fails inside the module.
    pub wasm_cap: usize,
    /// Allowed growth of linear memory after the warm-up, in pages.
    pub growth_slack_pages: usize,
    /// Print progress to stderr every this many inputs (0 = never).
    pub progress_every: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            inputs: 100_000,
            seed: 1,
            native: true,
            wasm: true,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            only: None,
            limits: Limits::default(),
            warmup_rounds: input::HUGE_SHAPES,
            wasm_cap: 1 << 30,
            growth_slack_pages: 256,
            progress_every: 0,
        }
    }
}

/// The first failure of a run, with what replays it.
#[derive(Debug, Clone)]
pub struct Failure {
    pub what: &'static str,
    /// Input index, or `None` for warm-up input `k`.
    pub index: Option<u64>,
    pub warmup: usize,
    pub export: &'static str,
    pub input: String,
    pub detail: String,
}

#[derive(Debug, Default, Clone)]
pub struct Report {
    pub seed: u64,
    pub threads: usize,
    pub mode: &'static str,
    pub inputs: u64,
    pub warmup_inputs: u64,
    pub elapsed: Duration,
    pub traps: u64,
    pub panics: u64,
    pub untyped: u64,
    pub mismatches: u64,
    pub oracle_mismatches: u64,
    pub oracle_checks: u64,
    /// Per export: results, errors, seconds spent.
    pub per_export: BTreeMap<&'static str, (u64, u64, f64)>,
    pub error_codes: BTreeMap<String, u64>,
    /// Per instance: pages after the warm-up and at the end.
    pub pages: Vec<(usize, usize)>,
    pub memory_grew: bool,
    pub peak_rss_kib: u64,
    pub load_before: String,
    pub load_after: String,
    pub failure: Option<Failure>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.failure.is_none() && !self.memory_grew
    }

    pub fn peak_pages(&self) -> usize {
        self.pages.iter().map(|p| p.1).max().unwrap_or(0)
    }

    fn merge(&mut self, s: Stats) {
        self.inputs += s.inputs;
        self.warmup_inputs += s.warmup;
        self.oracle_checks += s.oracle_checks;
        for (export, (ok, err, secs)) in s.per_export {
            let e = self.per_export.entry(export).or_default();
            e.0 += ok;
            e.1 += err;
            e.2 += secs;
        }
        for (code, n) in s.error_codes {
            *self.error_codes.entry(code).or_default() += n;
        }
        if let Some(p) = s.pages {
            self.pages.push(p);
        }
    }
}

#[derive(Default)]
struct Stats {
    inputs: u64,
    warmup: u64,
    oracle_checks: u64,
    per_export: BTreeMap<&'static str, (u64, u64, f64)>,
    error_codes: BTreeMap<String, u64>,
    pages: Option<(usize, usize)>,
}

/// Debug text cut to a readable length.
pub fn clip(text: &str) -> String {
    const MAX: usize = 3000;
    if text.len() <= MAX {
        return text.to_string();
    }
    let cut = (0..=MAX).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    format!("{}… ({} bytes in all)", &text[..cut], text.len())
}

/// Where two debug texts first differ, with some context.
fn diff(a: &str, b: &str) -> String {
    let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let from = at.saturating_sub(200);
    let piece = |s: &str| {
        let start = (0..=from.min(s.len())).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
        clip(&s[start..])
    };
    format!("first difference at byte {at}:\n  native: …{}\n  wasm:   …{}", piece(a), piece(b))
}

/// Runs one input on every backend and checks the outputs: Err(what, detail) on failure.
fn run_one(
    input: &Input,
    wasm: Option<&mut Wasm>,
    native: bool,
    stats: &mut Stats,
) -> Result<(), (&'static str, String)> {
    let start = Instant::now();
    let native_out = match native.then(|| catch_unwind(AssertUnwindSafe(|| exec::native(input)))) {
        Some(Err(_)) => return Err(("native panic", "the native core panicked (message above)".into())),
        Some(Ok(out)) => Some(out),
        None => None,
    };
    let wasm_out = match wasm.map(|w| w.call(input)) {
        Some(Err(trap)) => return Err(("trap", format!("{trap:?}"))),
        Some(Ok(out)) => Some(out),
        None => None,
    };
    if let (Some(n), Some(w)) = (&native_out, &wasm_out) {
        if n != w {
            return Err(("native/wasm mismatch", diff(&format!("{n:?}"), &format!("{w:?}"))));
        }
    }
    let out = native_out.or(wasm_out).expect("a backend ran");
    let entry = stats.per_export.entry(input.export()).or_default();
    if let Out::Err(e) = &out {
        entry.1 += 1;
        if !awa_enqueue::ErrorCode::ALL.iter().any(|c| c.as_str() == e.code) {
            return Err(("untyped error", format!("{e:?}")));
        }
        *stats.error_codes.entry(e.code.clone()).or_default() += 1;
    } else {
        entry.0 += 1;
    }
    match catch_unwind(AssertUnwindSafe(|| expect::check(input, &out))) {
        Ok(Ok(checked)) => stats.oracle_checks += u64::from(checked),
        Ok(Err(why)) => return Err(("oracle mismatch", why)),
        Err(_) => return Err(("oracle panic", "awa-model or the oracle panicked (message above)".into())),
    }
    stats.per_export.entry(input.export()).or_default().2 += start.elapsed().as_secs_f64();
    Ok(())
}

fn read_proc(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Peak resident set size of this process (VmHWM), KiB.
pub fn peak_rss_kib() -> u64 {
    read_proc("/proc/self/status")
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn load_average() -> String {
    read_proc("/proc/loadavg").split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

struct Shared<'a> {
    cfg: &'a Config,
    corpus: &'a Corpus,
    stop: AtomicBool,
    done: AtomicU64,
    failures: Mutex<Vec<(u64, Failure)>>,
    start: Instant,
}

impl Shared<'_> {
    fn fail(&self, order: u64, failure: Failure) {
        self.stop.store(true, Ordering::Relaxed);
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).push((order, failure));
    }

    fn worker(&self, thread: usize, mut wasm: Option<Wasm>) -> Stats {
        let cfg = self.cfg;
        let mut stats = Stats::default();
        let failure = |what, index, warmup, input: &Input, detail| Failure {
            what,
            index,
            warmup,
            export: input.export(),
            input: clip(&format!("{input:?}")),
            detail,
        };
        let warmups = if cfg.only.is_some() { 0 } else { cfg.warmup_rounds * input::HUGE_KINDS };
        for k in 0..warmups {
            let input = input::huge(self.corpus, cfg.limits, cfg.seed, k);
            if let Err((what, detail)) = run_one(&input, wasm.as_mut(), cfg.native, &mut stats) {
                self.fail(0, failure(what, None, k, &input, detail));
                stats.pages = wasm.as_ref().map(|w| (w.pages(), w.pages()));
                return stats;
            }
            stats.warmup += 1;
        }
        let after_warmup = wasm.as_ref().map_or(0, Wasm::pages);
        let indices: Box<dyn Iterator<Item = u64>> = match cfg.only {
            Some(i) => Box::new(std::iter::once(i).filter(|_| thread == 0)),
            None => Box::new((thread as u64..cfg.inputs).step_by(cfg.threads)),
        };
        for i in indices {
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            let input = input::generate(self.corpus, cfg.limits, cfg.seed, i);
            if let Err((what, detail)) = run_one(&input, wasm.as_mut(), cfg.native, &mut stats) {
                self.fail(i + 1, failure(what, Some(i), 0, &input, detail));
                break;
            }
            stats.inputs += 1;
            let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
            if cfg.progress_every > 0 && done.is_multiple_of(cfg.progress_every) {
                eprintln!("fuzz: {done} inputs, {:.1} s", self.start.elapsed().as_secs_f64());
            }
        }
        stats.pages = wasm.as_ref().map(|w| (after_warmup, w.pages()));
        stats
    }
}

/// Runs the fuzzer.
pub fn run(cfg: &Config) -> anyhow::Result<Report> {
    let corpus = Corpus::load()?;
    let threads = cfg.threads.max(1);
    let compiled = if cfg.wasm { Some(exec::compile()?) } else { None };
    let instances = (0..threads)
        .map(|_| compiled.as_ref().map(|(engine, component)| Wasm::new(engine, component, cfg.wasm_cap)).transpose())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cfg = &Config { threads, ..cfg.clone() };
    let load_before = load_average();
    let shared = Shared {
        cfg,
        corpus: &corpus,
        stop: AtomicBool::new(false),
        done: AtomicU64::new(0),
        failures: Mutex::new(Vec::new()),
        start: Instant::now(),
    };
    let shared = &shared;
    let stats: Vec<Stats> = std::thread::scope(|s| {
        let handles: Vec<_> =
            instances.into_iter().enumerate().map(|(t, wasm)| s.spawn(move || shared.worker(t, wasm))).collect();
        handles.into_iter().map(|h| h.join().expect("fuzz thread")).collect()
    });
    let mut report = Report {
        seed: cfg.seed,
        threads,
        mode: match (cfg.native, cfg.wasm) {
            (true, true) => "native+wasm",
            (true, false) => "native only",
            _ => "wasm only",
        },
        elapsed: shared.start.elapsed(),
        load_before,
        load_after: load_average(),
        ..Report::default()
    };
    stats.into_iter().for_each(|s| report.merge(s));
    let mut failures = std::mem::take(&mut *shared.failures.lock().unwrap_or_else(|e| e.into_inner()));
    failures.sort_by_key(|f| f.0);
    if let Some((_, f)) = failures.into_iter().next() {
        match f.what {
            "trap" => report.traps += 1,
            "native panic" | "oracle panic" => report.panics += 1,
            "untyped error" => report.untyped += 1,
            "oracle mismatch" => report.oracle_mismatches += 1,
            _ => report.mismatches += 1,
        }
        report.failure = Some(f);
    }
    report.memory_grew =
        cfg.only.is_none() && report.pages.iter().any(|&(after, end)| end > after + cfg.growth_slack_pages);
    report.peak_rss_kib = peak_rss_kib();
    Ok(report)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        writeln!(f, "fuzz: seed {}, {} threads, {}", self.seed, self.threads, self.mode)?;
        writeln!(
            f,
            "inputs: {} (+{} warm-up) in {secs:.1} s, {:.0}/s; load average {} -> {}",
            self.inputs,
            self.warmup_inputs,
            self.inputs as f64 / secs.max(1e-9),
            self.load_before,
            self.load_after
        )?;
        writeln!(
            f,
            "traps: {}, panics: {}, untyped errors: {}, mismatches: native/wasm {}, oracle {} ({} oracle checks)",
            self.traps, self.panics, self.untyped, self.mismatches, self.oracle_mismatches, self.oracle_checks
        )?;
        if !self.pages.is_empty() {
            let pages: Vec<String> = self.pages.iter().map(|(a, e)| format!("{a} -> {e}")).collect();
            writeln!(
                f,
                "wasm linear memory (pages after warm-up -> end, per instance): {}; peak {} pages ({} MiB){}",
                pages.join(", "),
                self.peak_pages(),
                self.peak_pages() / 16,
                if self.memory_grew { "; GREW after the warm-up" } else { "; plateau" }
            )?;
        }
        writeln!(f, "peak RSS: {} MiB", self.peak_rss_kib / 1024)?;
        let exports: Vec<String> =
            self.per_export.iter().map(|(e, (ok, err, secs))| format!("{e} {ok}/{err} {secs:.1}s")).collect();
        writeln!(f, "per export (results/errors, thread time): {}", exports.join(", "))?;
        let codes: Vec<String> = self.error_codes.iter().map(|(c, n)| format!("{c} {n}")).collect();
        writeln!(f, "error codes: {}", codes.join(", "))?;
        if let Some(x) = &self.failure {
            let at = match x.index {
                Some(i) => format!("input {i}"),
                None => format!("warm-up input {}", x.warmup),
            };
            writeln!(f, "FAILURE: {} in {} at {at} (seed {})", x.what, x.export, self.seed)?;
            writeln!(f, "  input: {}", x.input)?;
            writeln!(f, "  {}", x.detail)?;
            match x.index {
                Some(i) => writeln!(
                    f,
                    "  replay: cargo run --release -p host-tests --bin fuzz -- --seed {} --only {i}\n  \
                     (if it needs the instance's history: --seed {} --threads {} --inputs {})",
                    self.seed,
                    self.seed,
                    self.threads,
                    i + 1
                )?,
                None => writeln!(
                    f,
                    "  replay: cargo run --release -p host-tests --bin fuzz -- --seed {} --inputs 0",
                    self.seed
                )?,
            }
        }
        Ok(())
    }
}
