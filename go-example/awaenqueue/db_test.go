package awaenqueue_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
)

var repoRoot, _ = filepath.Abs(filepath.Join("..", ".."))

// awaPy is Awa's own Python side (awa-pg 0.6.9): a real worker and Awa's Python producer.
var awaPy = filepath.Join(repoRoot, "host-tests", "fixtures", "awa_py.py")

// rustInsert is Awa's own Rust producer (awa-model 0.6.9 insert_many), built by
// scripts/test-go.sh; AWA_RUST_INSERT overrides its path.
func rustInsert(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AWA_RUST_INSERT")
	if path == "" {
		target := os.Getenv("CARGO_TARGET_DIR")
		if target == "" {
			target = filepath.Join(repoRoot, "target")
		}
		path = filepath.Join(target, "release", "awa-rust-insert")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing: run `cargo build --locked --release -p host-tests --bin awa-rust-insert` (scripts/test-go.sh does)", path)
	}
	return path
}

// awaDB creates a fresh database with Awa's schema (scripts/new-awa-db.sh) and connects.
func awaDB(t *testing.T, name, mode string) (string, *pgxpool.Pool) {
	t.Helper()
	if os.Getenv("DATABASE_URL") == "" {
		t.Skip("DATABASE_URL is not set (run through scripts/with-db.sh)")
	}
	t.Parallel()
	out, err := exec.Command(filepath.Join(repoRoot, "scripts", "new-awa-db.sh"), name, mode).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("new-awa-db.sh %s %s: %v\n%s", name, mode, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	url := strings.TrimSpace(string(out))
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return url, pool
}

func builder(t *testing.T) *awaenqueue.Builder {
	t.Helper()
	ctx := context.Background()
	b, err := awaenqueue.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(ctx) })
	return b
}

func python(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(repoRoot, "scripts", "setup-python.sh")).Output()
	if err != nil {
		t.Fatalf("setup-python.sh: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "bin", "python")
}

func engine(t *testing.T, db *pgxpool.Pool) string {
	var e string
	if err := db.QueryRow(context.Background(), "SELECT awa.active_storage_engine()").Scan(&e); err != nil {
		t.Fatal(err)
	}
	return e
}

type workerJob struct {
	ID    int64           `json:"id"`
	Kind  string          `json:"kind"`
	Queue string          `json:"queue"`
	Args  json.RawMessage `json:"args"`
}

// lastJSONLine decodes the last line of a helper's stdout.
func lastJSONLine(t *testing.T, who string, out []byte, v any) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), v); err != nil {
		t.Fatalf("%s said %q: %v", who, out, err)
	}
}

// runWorker runs a real Awa Python worker (host-tests/fixtures/awa_py.py worker) for kind/queue until it
// has run every job, waits until all ids are completed in awa.jobs and returns what it ran.
func runWorker(t *testing.T, url string, db *pgxpool.Pool, kind, queue string, ids []int64) map[int64]workerJob {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python(t), awaPy, "worker", url, queue, kind, strconv.Itoa(len(ids)), "60")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, werr := cmd.Output()
	var res struct {
		Seen []workerJob `json:"seen"`
	}
	if len(out) > 0 {
		lastJSONLine(t, "awa_py.py worker", out, &res)
	}
	var done int
	for ctx.Err() == nil {
		if err := db.QueryRow(ctx, "SELECT count(*) FROM awa.jobs WHERE id = ANY($1) AND state = 'completed'", ids).Scan(&done); err != nil && ctx.Err() == nil {
			t.Fatal(err)
		}
		if done == len(ids) || werr != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if done != len(ids) {
		t.Fatalf("worker ran %d, completed %d of %d jobs (%v)\n%s", len(res.Seen), done, len(ids), werr, stderr.String())
	}
	seen := map[int64]workerJob{}
	for _, j := range res.Seen {
		seen[j.ID] = j
	}
	return seen
}

func testWorkerCompletes(t *testing.T, mode string) {
	url, db := awaDB(t, "go_worker_"+mode, mode)
	b := builder(t)
	ctx := context.Background()
	st, err := b.CheckSchema(ctx, db)
	if err != nil || st.SchemaVersion < 40 || !st.Tested {
		t.Fatalf("schema %+v %v", st, err)
	}
	queue := "go_q"
	one, err := b.Enqueue(ctx, db, awaenqueue.Job{Kind: "go_ext_job", Queue: &queue,
		Args: json.RawMessage(`{"n": 1, "f": 1.0, "s": "é"}`), Tags: []string{"go"}, Unique: &awaenqueue.UniqueOpts{ByArgs: true},
		OrderingKey: []byte("customer-42")})
	if err != nil {
		t.Fatal(err)
	}
	if one.State != "available" || one.Kind != "go_ext_job" || one.Queue != queue || len(one.UniqueKey) != 16 || one.Priority != 2 {
		t.Fatalf("row %+v", one)
	}
	many, err := b.EnqueueMany(ctx, db, []awaenqueue.Job{
		{Kind: "go_ext_job", Queue: &queue, Args: map[string]any{"n": 2}},
		{Kind: "go_ext_job", Queue: &queue, Args: map[string]any{"n": 3}, Priority: new(int64(1))},
		{Kind: "go_ext_job", Queue: &queue, Args: map[string]any{"n": 4}, RunAt: time.Now().Add(-time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(many) != 3 || many[1].Priority != 1 || many[2].State != "scheduled" {
		t.Fatalf("rows %+v", many)
	}
	ids := []int64{one.ID, many[0].ID, many[1].ID, many[2].ID}
	seen := runWorker(t, url, db, "go_ext_job", queue, ids)
	var args map[string]any
	if err := json.Unmarshal(seen[one.ID].Args, &args); err != nil || args["s"] != "é" || args["n"] != float64(1) {
		t.Fatalf("worker saw %+v (%v)", seen[one.ID], err)
	}
	t.Logf("%s: worker completed jobs %v (engine %s)", mode, ids, engine(t, db))
}

func TestRealWorkerCanonical(t *testing.T)    { testWorkerCompletes(t, "canonical") }
func TestRealWorkerQueueStorage(t *testing.T) { testWorkerCompletes(t, "queue_storage") }

// producerSpec is one job for another producer, in awa_py.py / awa-rust-insert form.
type producerSpec struct {
	Kind       string          `json:"kind"`
	Queue      string          `json:"queue"`
	Args       json.RawMessage `json:"args"`
	UniqueOpts map[string]any  `json:"unique_opts"`
}

// producer inserts spec with Awa's Python producer ("python"), Awa's Rust producer ("rust")
// or the Node package ("node", unique by args); it returns the new id, or 0 on a duplicate.
func producer(t *testing.T, lang, url string, spec producerSpec) int64 {
	t.Helper()
	specJSON, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var cmd *exec.Cmd
	switch lang {
	case "python":
		cmd = exec.Command(python(t), awaPy, "insert", url, string(specJSON))
	case "rust":
		cmd = exec.Command(rustInsert(t), url, string(specJSON))
	case "node":
		cmd = exec.Command("node", filepath.Join(repoRoot, "host-tests", "fixtures", "node_producer.mjs"), repoRoot, url, spec.Kind, spec.Queue, string(spec.Args))
	}
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s producer: %v\n%s", lang, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var r struct {
		ID       json.Number `json:"id"`
		Conflict bool        `json:"conflict"`
	}
	lastJSONLine(t, lang+" producer", out, &r)
	if r.Conflict {
		return 0
	}
	id, err := r.ID.Int64()
	if err != nil || id == 0 {
		t.Fatalf("%s producer said %q", lang, out)
	}
	return id
}

func nodeAvailable() bool {
	if _, err := exec.LookPath("node"); err != nil {
		return false
	}
	for _, p := range []string{"js/node_modules/pg/package.json", "js/generated/awa_enqueue.js"} {
		if _, err := os.Stat(filepath.Join(repoRoot, p)); err != nil {
			return false
		}
	}
	return true
}

// dedupArgs returns the same args twice: plainly for the other producer, and in another
// spelling for Go (keys shuffled, exponents, \u escapes incl. a surrogate pair).
func dedupArgs(tag string, n int) (plain, spelled json.RawMessage) {
	plain = json.RawMessage(fmt.Sprintf(
		`{"amount":1.0,"big":1e21,"n":%d,"ratio":0.1,"tag":%q,"z":{"a":"é🎉","b":[3,2,1]}}`, n, tag))
	spelled = json.RawMessage(fmt.Sprintf(
		`{ "z": {"b": [3, 2, 1], "a": "\u00e9\ud83c\udf89"}, "tag": %q, "ratio": 1E-1, "n": %d, "big": 1.0E21, "amount": 1E0 }`, tag, n))
	return plain, spelled
}

// storedKey reads what another producer stored for job id.
func storedKey(t *testing.T, db *pgxpool.Pool, id int64) (key []byte, states string) {
	t.Helper()
	if err := db.QueryRow(context.Background(), "SELECT unique_key, unique_states::text FROM awa.jobs WHERE id = $1", id).Scan(&key, &states); err != nil {
		t.Fatal(err)
	}
	return key, states
}

// awaDefault is Awa's UniqueOpts::default() in Go: by args, default states.
func awaDefault() *awaenqueue.UniqueOpts { return &awaenqueue.UniqueOpts{ByArgs: true} }

// TestCrossLanguageDedup: the same job from Go and from Awa's Python producer (and the Node
// package when installed) collides on one unique key, whichever inserts first. Go's
// &UniqueOpts{ByArgs: true} stores the same key and the same states (Awa's default, 11111000)
// as awa-pg's own defaults.
func TestCrossLanguageDedup(t *testing.T) {
	for _, mode := range []string{"canonical", "queue_storage"} {
		t.Run(mode, func(t *testing.T) {
			url, db := awaDB(t, "go_dedup_"+mode, mode)
			b := builder(t)
			ctx := context.Background()
			langs := []string{"python"}
			if nodeAvailable() {
				langs = append(langs, "node")
			} else {
				t.Log("node or the built js package is missing: Node dedup not exercised")
			}
			queue := "go_dedup"
			for i, lang := range langs {
				// they insert first, Go collides
				plain, spelled := dedupArgs(lang, 2*i)
				job := awaenqueue.Job{Kind: "dedup_job", Queue: &queue, Args: spelled, Unique: awaDefault()}
				theirID := producer(t, lang, url, producerSpec{Kind: "dedup_job", Queue: queue, Args: plain, UniqueOpts: map[string]any{"by_args": true}})
				if theirID == 0 {
					t.Fatalf("%s producer reported a conflict on a fresh key", lang)
				}
				p, err := b.Prepare(ctx, job)
				if err != nil {
					t.Fatal(err)
				}
				stored, states := storedKey(t, db, theirID)
				if !bytes.Equal(stored, p.UniqueKey) || states != "11111000" || *p.UniqueStates != states {
					t.Fatalf("%s stored key %x states %s, Go derives %x %s", lang, stored, states, p.UniqueKey, *p.UniqueStates)
				}
				if _, err = b.Enqueue(ctx, db, job); !awaenqueue.IsUniqueConflict(err) {
					t.Fatalf("Go after %s: want unique conflict, got %v", lang, err)
				}
				if res, err := b.TryEnqueue(ctx, db, job); err != nil || !res.Duplicate || res.Existing == nil || res.Existing.ID != theirID {
					t.Fatalf("TryEnqueue after %s: %+v %v", lang, res, err)
				}

				// Go inserts first, they collide
				plain, job.Args = dedupArgs(lang, 2*i+1)
				row, err := b.Enqueue(ctx, db, job)
				if err != nil {
					t.Fatal(err)
				}
				if id := producer(t, lang, url, producerSpec{Kind: "dedup_job", Queue: queue, Args: plain, UniqueOpts: map[string]any{"by_args": true}}); id != 0 {
					t.Fatalf("%s inserted job %d although Go's job %d holds the key", lang, id, row.ID)
				}
				t.Logf("%s/%s: dedup both ways (key %x, states %s)", mode, lang, p.UniqueKey, states)
			}
		})
	}
}

// TestRustProducerDedup: Awa's own Rust producer (awa-model 0.6.9 insert_many) and Go collide
// on one unique key, both directions, for Awa's default options, by_queue and by_period; the
// stored states are equal (Go's &UniqueOpts{ByArgs: true} is awa-model's default: 11111000).
func TestRustProducerDedup(t *testing.T) {
	for _, mode := range []string{"canonical", "queue_storage"} {
		t.Run(mode, func(t *testing.T) {
			url, db := awaDB(t, "go_rust_"+mode, mode)
			b := builder(t)
			ctx := context.Background()
			bucket, err := b.PeriodBucket(ctx, time.Now().Unix(), 3600)
			if err != nil {
				t.Fatal(err)
			}
			queue, otherQueue := "go_rust", "go_rust_other"
			variants := []struct {
				name string
				rust map[string]any // Awa's unique_opts, omitted fields take awa-model's defaults
				goes *awaenqueue.UniqueOpts
				// the same job on another queue: a duplicate unless the queue is part of the key
				otherQueueCollides bool
			}{
				{"default", map[string]any{}, awaDefault(), true},
				{"by_queue", map[string]any{"by_queue": true}, &awaenqueue.UniqueOpts{ByQueue: true, ByArgs: true}, false},
				{"by_period", map[string]any{"by_period": bucket}, &awaenqueue.UniqueOpts{ByArgs: true, ByPeriod: &bucket}, true},
			}
			for i, v := range variants {
				// Rust inserts first; Go derives the stored key from another spelling and collides
				plain, spelled := dedupArgs("rust_"+v.name, 2*i)
				job := awaenqueue.Job{Kind: "rust_dedup", Queue: &queue, Args: spelled, Unique: v.goes}
				spec := producerSpec{Kind: "rust_dedup", Queue: queue, Args: plain, UniqueOpts: v.rust}
				rustID := producer(t, "rust", url, spec)
				if rustID == 0 {
					t.Fatalf("%s: Rust producer reported a conflict on a fresh key", v.name)
				}
				p, err := b.Prepare(ctx, job)
				if err != nil {
					t.Fatal(err)
				}
				key, states := storedKey(t, db, rustID)
				if !bytes.Equal(key, p.UniqueKey) || p.UniqueStates == nil || states != *p.UniqueStates || states != "11111000" {
					t.Fatalf("%s: Rust stored key %x states %s, Go derives %x %v", v.name, key, states, p.UniqueKey, p.UniqueStates)
				}
				if _, err := b.Enqueue(ctx, db, job); !awaenqueue.IsUniqueConflict(err) {
					t.Fatalf("%s: Go after Rust: want unique conflict, got %v", v.name, err)
				}
				if res, err := b.TryEnqueue(ctx, db, job); err != nil || !res.Duplicate || res.Existing == nil || res.Existing.ID != rustID {
					t.Fatalf("%s: TryEnqueue after Rust: %+v %v", v.name, res, err)
				}
				other := job
				other.Queue = &otherQueue
				_, err = b.Enqueue(ctx, db, other)
				if v.otherQueueCollides != awaenqueue.IsUniqueConflict(err) || (!v.otherQueueCollides && err != nil) {
					t.Fatalf("%s: Go on another queue: collides=%v wanted, got %v", v.name, v.otherQueueCollides, err)
				}

				// Go inserts first; Rust collides
				plain, job.Args = dedupArgs("go_"+v.name, 2*i+1)
				res, err := b.TryEnqueue(ctx, db, job)
				if err != nil || res.Row == nil || res.Duplicate {
					t.Fatalf("%s: %+v %v", v.name, res, err)
				}
				spec.Args = plain
				if id := producer(t, "rust", url, spec); id != 0 {
					t.Fatalf("%s: Rust inserted job %d although Go's job %d holds the key", v.name, id, res.Row.ID)
				}
				t.Logf("%s/%s: dedup with Rust both ways (key %x)", mode, v.name, p.UniqueKey)
			}
		})
	}
}

func TestRollbackLeavesNothing(t *testing.T) {
	_, db := awaDB(t, "go_rollback", "queue_storage")
	b := builder(t)
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Enqueue(ctx, tx, awaenqueue.Job{Kind: "rolled_back", Unique: awaDefault()}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.EnqueueMany(ctx, tx, []awaenqueue.Job{{Kind: "rolled_back", Args: map[string]int{"i": 1}}, {Kind: "rolled_back", Args: map[string]int{"i": 2}}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT (SELECT count(*) FROM awa.jobs WHERE kind = 'rolled_back') + (SELECT count(*) FROM awa.job_unique_claims)").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d rows/claims left after rollback", n)
	}
	// the same unique job goes in afterwards
	if _, err := b.Enqueue(ctx, db, awaenqueue.Job{Kind: "rolled_back", Unique: awaDefault()}); err != nil {
		t.Fatal(err)
	}
}

// tracer records the statements a pgx connection sends and how each ended.
type tracer struct {
	mu  sync.Mutex
	log []traced
}

type traced struct {
	sql string
	err error
}

type sqlKey struct{}

func (tr *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, sqlKey{}, d.SQL)
}

func (tr *tracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	sql, _ := ctx.Value(sqlKey{}).(string)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.log = append(tr.log, traced{sql, d.Err})
}

// take returns and clears the log: the savepoint statements sent and the statements that failed.
func (tr *tracer) take() (savepoints []string, failed []error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, s := range tr.log {
		if strings.Contains(s.sql, "SAVEPOINT") {
			savepoints = append(savepoints, s.sql)
		}
		if s.err != nil {
			failed = append(failed, s.err)
		}
	}
	tr.log = nil
	return savepoints, failed
}

// handle is one database handle of one driver, as the helpers take it.
type handle struct {
	name   string
	inTx   bool // a transaction the helpers must detect
	try    func(context.Context, awaenqueue.Job) (awaenqueue.InsertResult, error)
	insert func(context.Context, awaenqueue.Job) (*awaenqueue.JobRow, error)
	many   func(context.Context, []awaenqueue.Job) ([]awaenqueue.JobRow, error)
	count  func(ctx context.Context, kind string) (int64, error) // through the handle: it is usable
	done   func(context.Context) error                           // commit / release
	trace  *tracer                                               // nil for lib/pq (no tracing hook)
}

func pgxHandle(b *awaenqueue.Builder, name string, inTx bool, db awaenqueue.DB, tr *tracer, done func(context.Context) error) handle {
	return handle{name: name, inTx: inTx, trace: tr, done: done,
		try: func(ctx context.Context, j awaenqueue.Job) (awaenqueue.InsertResult, error) {
			return b.TryEnqueue(ctx, db, j)
		},
		insert: func(ctx context.Context, j awaenqueue.Job) (*awaenqueue.JobRow, error) { return b.Enqueue(ctx, db, j) },
		many: func(ctx context.Context, j []awaenqueue.Job) ([]awaenqueue.JobRow, error) {
			return b.EnqueueMany(ctx, db, j)
		},
		count: func(ctx context.Context, kind string) (n int64, err error) {
			err = db.QueryRow(ctx, "SELECT count(*) FROM awa.jobs WHERE kind = $1", kind).Scan(&n)
			return n, err
		},
	}
}

func stdHandle(b *awaenqueue.Builder, name string, inTx bool, db awaenqueue.StdDB, tr *tracer, done func(context.Context) error) handle {
	return handle{name: name, inTx: inTx, trace: tr, done: done,
		try: func(ctx context.Context, j awaenqueue.Job) (awaenqueue.InsertResult, error) {
			return b.TryEnqueueStd(ctx, db, j)
		},
		insert: func(ctx context.Context, j awaenqueue.Job) (*awaenqueue.JobRow, error) {
			return b.EnqueueStd(ctx, db, j)
		},
		many: func(ctx context.Context, j []awaenqueue.Job) ([]awaenqueue.JobRow, error) {
			return b.EnqueueManyStd(ctx, db, j)
		},
		count: func(ctx context.Context, kind string) (n int64, err error) {
			rows, err := db.QueryContext(ctx, "SELECT count(*) FROM awa.jobs WHERE kind = $1", kind)
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			if !rows.Next() {
				return 0, fmt.Errorf("no row: %v", rows.Err())
			}
			return n, rows.Scan(&n)
		},
	}
}

// pqURL is url for lib/pq, which would otherwise insist on TLS.
func pqURL(url string) string {
	if strings.Contains(url, "sslmode=") {
		return url
	}
	if strings.Contains(url, "?") {
		return url + "&sslmode=disable"
	}
	return url + "?sslmode=disable"
}

// handles opens every driver's handles on url: pgx (pool, conn, pgx.Tx, a conn inside BEGIN),
// database/sql through pgx stdlib (DB, Tx, Conn, a Conn inside BEGIN) and through lib/pq
// (DB, Tx, Conn).
func handles(t *testing.T, b *awaenqueue.Builder, url string) []handle {
	t.Helper()
	ctx := context.Background()
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	nop := func(context.Context) error { return nil }
	var out []handle

	tr := &tracer{}
	pcfg, err := pgxpool.ParseConfig(url)
	check(err)
	pcfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	check(err)
	t.Cleanup(pool.Close)
	out = append(out, pgxHandle(b, "pgx_pool", false, pool, tr, nop))

	connect := func() (*pgx.Conn, *tracer) {
		tr := &tracer{}
		cfg, err := pgx.ParseConfig(url)
		check(err)
		cfg.Tracer = tr
		conn, err := pgx.ConnectConfig(ctx, cfg)
		check(err)
		t.Cleanup(func() { conn.Close(ctx) })
		return conn, tr
	}
	conn, tr := connect()
	out = append(out, pgxHandle(b, "pgx_conn", false, conn, tr, nop))
	conn, tr = connect()
	tx, err := conn.Begin(ctx)
	check(err)
	out = append(out, pgxHandle(b, "pgx_tx", true, tx, tr, tx.Commit))
	conn, tr = connect()
	_, err = conn.Exec(ctx, "BEGIN")
	check(err)
	out = append(out, pgxHandle(b, "pgx_conn_in_begin", true, conn, tr, func(ctx context.Context) error {
		_, err := conn.Exec(ctx, "COMMIT")
		return err
	}))

	tr = &tracer{}
	scfg, err := pgx.ParseConfig(url)
	check(err)
	scfg.Tracer = tr
	sdb := stdlib.OpenDB(*scfg)
	t.Cleanup(func() { sdb.Close() })
	out = append(out, stdHandle(b, "stdlib_db", false, sdb, tr, nop))
	stx, err := sdb.BeginTx(ctx, nil)
	check(err)
	out = append(out, stdHandle(b, "stdlib_tx", true, stx, tr, func(context.Context) error { return stx.Commit() }))
	sconn, err := sdb.Conn(ctx)
	check(err)
	out = append(out, stdHandle(b, "stdlib_conn", false, sconn, tr, func(context.Context) error { return sconn.Close() }))
	sconn2, err := sdb.Conn(ctx)
	check(err)
	_, err = sconn2.ExecContext(ctx, "BEGIN")
	check(err)
	out = append(out, stdHandle(b, "stdlib_conn_in_begin", true, sconn2, tr, func(ctx context.Context) error {
		_, err := sconn2.ExecContext(ctx, "COMMIT")
		return errors.Join(err, sconn2.Close())
	}))

	pdb, err := sql.Open("postgres", pqURL(url))
	check(err)
	t.Cleanup(func() { pdb.Close() })
	out = append(out, stdHandle(b, "pq_db", false, pdb, nil, nop))
	ptx, err := pdb.BeginTx(ctx, nil)
	check(err)
	out = append(out, stdHandle(b, "pq_tx", true, ptx, nil, func(context.Context) error { return ptx.Commit() }))
	pconn, err := pdb.Conn(ctx)
	check(err)
	out = append(out, stdHandle(b, "pq_conn", false, pconn, nil, func(context.Context) error { return pconn.Close() }))
	return out
}

// waitForLockWait returns once some other backend of db waits on a lock.
func waitForLockWait(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := db.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no backend waited on the holder's lock")
}

// TestTryEnqueueEveryDriver: TryEnqueue, Enqueue and EnqueueMany through pgx, pgx stdlib and
// lib/pq, outside and inside transactions, in both storage modes: a visible duplicate is a
// normal result with the job holding the key; a duplicate that races the guard is too (inside
// a transaction it rolls back only the savepoint); the transaction stays usable; no savepoint
// (nor any failing statement) is sent outside a transaction; each driver's duplicate error is
// recognized by IsUniqueConflict.
func TestTryEnqueueEveryDriver(t *testing.T) {
	for _, mode := range []string{"canonical", "queue_storage"} {
		t.Run(mode, func(t *testing.T) {
			url, db := awaDB(t, "go_try_"+mode, mode)
			b := builder(t)
			ctx := context.Background()
			for _, h := range handles(t, b, url) {
				if h.trace != nil {
					h.trace.take()
				}
				kind := "try_" + h.name
				job := func(args string) awaenqueue.Job {
					return awaenqueue.Job{Kind: kind, Args: json.RawMessage(args), Tags: []string{"x", "y,z"}, Unique: awaDefault()}
				}
				first, err := h.try(ctx, job(`{"a":1,"b":[1.0]}`))
				if err != nil || first.Duplicate || first.Row == nil || first.Existing != nil {
					t.Fatalf("%s: first %+v %v", h.name, first, err)
				}
				r := first.Row
				if r.Kind != kind || r.State != "available" || r.Queue != "default" || len(r.UniqueKey) != 16 || r.Priority != 2 ||
					r.MaxAttempts != 25 || !reflect.DeepEqual(r.Tags, []string{"x", "y,z"}) || string(r.Args) != `{"a": 1, "b": [1.0]}` ||
					string(r.Metadata) != "{}" || r.RunAt.IsZero() || r.CreatedAt.IsZero() {
					t.Fatalf("%s: row %+v (args %s)", h.name, r, r.Args)
				}
				again, err := h.try(ctx, job(`{ "b": [1E0], "a": 1 }`))
				if err != nil || !again.Duplicate || again.Row != nil || again.Existing == nil || again.Existing.ID != r.ID ||
					again.Existing.State != "available" || !bytes.Equal(again.Existing.UniqueKey, r.UniqueKey) {
					t.Fatalf("%s: duplicate %+v %v", h.name, again, err)
				}
				for range 2 { // without a key every job goes in
					if res, err := h.try(ctx, awaenqueue.Job{Kind: kind}); err != nil || res.Row == nil {
						t.Fatalf("%s: plain %+v %v", h.name, res, err)
					}
				}
				rows, err := h.many(ctx, []awaenqueue.Job{{Kind: kind, Args: map[string]int{"n": 1}}, {Kind: kind, Priority: new(int64(4)), Tags: []string{`q"uote`}}})
				if err != nil || len(rows) != 2 || rows[1].Priority != 4 || rows[1].Tags[0] != `q"uote` {
					t.Fatalf("%s: many %+v %v", h.name, rows, err)
				}
				if n, err := h.count(ctx, kind); err != nil || n != 5 {
					t.Fatalf("%s: count %d %v", h.name, n, err)
				}
				if h.trace != nil {
					sp, failed := h.trace.take()
					if len(failed) != 0 || h.inTx != (len(sp) > 0) || (h.inTx && len(sp) != 4) {
						t.Fatalf("%s (in a transaction: %v): savepoint statements %q, failures %v", h.name, h.inTx, sp, failed)
					}
				}

				// A duplicate that races the guard: the holder's transaction has the key but has
				// not committed, so the guard cannot see it and the insert waits on the holder.
				// (On another queue: in queue storage an open transaction holds its queue lanes.)
				raceJob := job(`{"race":true}`)
				raceJob.Queue = new("race_" + h.name)
				holder, err := db.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				held, err := b.Enqueue(ctx, holder, raceJob)
				if err != nil {
					t.Fatal(err)
				}
				done := make(chan struct{})
				var raced awaenqueue.InsertResult
				var raceErr error
				go func() {
					defer close(done)
					raceJob.Args = json.RawMessage(`{ "race" : true }`)
					raced, raceErr = h.try(ctx, raceJob)
				}()
				waitForLockWait(t, db)
				if err := holder.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				<-done
				if raceErr != nil || !raced.Duplicate || raced.Existing == nil || raced.Existing.ID != held.ID {
					t.Fatalf("%s: race %+v %v", h.name, raced, raceErr)
				}
				if h.trace != nil {
					sp, failed := h.trace.take()
					if len(failed) != 1 || !awaenqueue.IsUniqueConflict(failed[0]) || h.inTx != slices.Contains(sp, "ROLLBACK TO SAVEPOINT awa_enqueue_try_insert") {
						t.Fatalf("%s: race: savepoint statements %q, failures %v", h.name, sp, failed)
					}
				}
				if n, err := h.count(ctx, kind); err != nil || n != 6 {
					t.Fatalf("%s: after the race: count %d %v", h.name, n, err)
				}
				if !h.inTx {
					if _, err := h.insert(ctx, job(`{"a":1,"b":[1.0]}`)); !awaenqueue.IsUniqueConflict(err) {
						t.Fatalf("%s: Enqueue of a duplicate: %v", h.name, err)
					}
				}
				if err := h.done(ctx); err != nil {
					t.Fatalf("%s: commit: %v", h.name, err)
				}
				var n int
				if err := db.QueryRow(ctx, "SELECT count(*) FROM awa.jobs WHERE kind = $1", kind).Scan(&n); err != nil || n != 6 {
					t.Fatalf("%s: committed %d of 6 (%v)", h.name, n, err)
				}
				t.Logf("%s/%s: duplicate and race duplicate returned job %d / %d (in a transaction: %v)", mode, h.name, r.ID, held.ID, h.inTx)
			}
		})
	}
}

// TestExistingNotVisible: a duplicate whose holder this transaction's snapshot cannot see is
// still a normal result, with no Existing job.
func TestExistingNotVisible(t *testing.T) {
	_, db := awaDB(t, "go_invisible", "canonical")
	b := builder(t)
	ctx := context.Background()
	job := awaenqueue.Job{Kind: "invisible", Args: json.RawMessage(`{"k":1}`), Unique: awaDefault()}
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM awa.jobs").Scan(&n); err != nil { // takes the snapshot
		t.Fatal(err)
	}
	holder, err := b.Enqueue(ctx, db, job)
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.TryEnqueue(ctx, tx, job)
	if err != nil || !res.Duplicate || res.Row != nil || res.Existing != nil {
		t.Fatalf("%+v %v", res, err)
	}
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM awa.jobs").Scan(&n); err != nil || n != 0 {
		t.Fatalf("transaction after the duplicate: %d %v", n, err)
	}
	t.Logf("job %d holds the key, invisible to the snapshot: duplicate without Existing", holder.ID)
}

// TestBindsAsTheyAre: BuildInsert's and BuildInsertMany's binds go to pgx, pgx stdlib and
// lib/pq unchanged; CheckSchema works through pgx and database/sql.
func TestBindsAsTheyAre(t *testing.T) {
	url, db := awaDB(t, "go_binds", "canonical")
	b := builder(t)
	ctx := context.Background()
	sdb, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	pdb, err := sql.Open("postgres", pqURL(url))
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	job := awaenqueue.Job{Kind: "binds_job", Args: map[string]any{"a": []int{1, 2}}, Tags: []string{"NULL", "", "a,b", "{x}", `"`, `\`},
		Metadata: json.RawMessage(`{"m":"\u00e9"}`), RunAt: time.Now().Add(time.Hour), OrderingKey: []byte{}}
	for i, sdb := range []*sql.DB{sdb, pdb} {
		job.Args = map[string]any{"driver": i}
		job.Unique = awaDefault()
		q, args, err := b.BuildInsert(ctx, job)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := sdb.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		rows.Close()
		if len(cols) != 28 {
			t.Fatalf("columns %v", cols)
		}
		var tags []string
		var state string
		if err := db.QueryRow(ctx, "SELECT tags, state::text FROM awa.jobs WHERE kind = 'binds_job' AND args = $1::jsonb", fmt.Sprintf(`{"driver":%d}`, i)).Scan(&tags, &state); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tags, job.Tags) || state != "scheduled" {
			t.Fatalf("stored %q %s", tags, state)
		}
		jobs := make([]awaenqueue.Job, 1200)
		for k := range jobs {
			jobs[k] = awaenqueue.Job{Kind: "binds_many", Args: map[string]int{"driver": i, "k": k}, Priority: new(int64(1 + k%4)), Tags: job.Tags}
		}
		q, args, err = b.BuildInsertMany(ctx, jobs)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sdb.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
		st, err := b.CheckSchemaStd(ctx, sdb)
		if err != nil || st.SchemaVersion < 40 || !st.Tested {
			t.Fatalf("%+v %v", st, err)
		}
	}
	q, args, err := b.BuildInsertMany(ctx, []awaenqueue.Job{{Kind: "binds_many"}, {Kind: "binds_many", Queue: new("other")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, q, args...); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM awa.jobs WHERE kind = 'binds_many'").Scan(&n); err != nil || n != 2402 {
		t.Fatalf("%d %v", n, err)
	}
	if _, err := b.CheckSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
}

func TestCheckSchemaRejectsBareDatabase(t *testing.T) {
	if os.Getenv("DATABASE_URL") == "" {
		t.Skip("DATABASE_URL is not set (run through scripts/with-db.sh)")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for _, q := range []string{"DROP DATABASE IF EXISTS go_bare WITH (FORCE)", "CREATE DATABASE go_bare"} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	cfg := admin.Config().Copy()
	cfg.Database = "go_bare"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	b := builder(t)
	_, err = b.CheckSchema(ctx, conn)
	var e *awaenqueue.Error
	if !errors.As(err, &e) || e.Code != "schema_missing" {
		t.Fatalf("got %v", err)
	}
}
