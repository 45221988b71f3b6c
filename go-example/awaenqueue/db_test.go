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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
)

var repoRoot, _ = filepath.Abs(filepath.Join("..", ".."))

// awaPy is Awa's own Python side (awa-pg 0.6.9): a real worker and Awa's Python producer.
var awaPy = filepath.Join(repoRoot, "scripts", "awa_py.py")

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

// runWorker runs a real Awa Python worker (scripts/awa_py.py worker) for kind/queue until it
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
		Args: json.RawMessage(`{"n": 1, "f": 1.0, "s": "é"}`), Tags: []string{"go"}, Unique: b.DefaultUniqueOpts(),
		OrderingKey: []byte("customer-42")})
	if err != nil {
		t.Fatal(err)
	}
	if one.State != "available" || one.Kind != "go_ext_job" || one.Queue != queue || len(one.UniqueKey) != 16 || one.Priority != 2 {
		t.Fatalf("row %+v", one)
	}
	many, err := b.EnqueueMany(ctx, db, []awaenqueue.Job{
		{Kind: "go_ext_job", Queue: &queue, Args: map[string]any{"n": 2}},
		{Kind: "go_ext_job", Queue: &queue, Args: map[string]any{"n": 3}, Priority: new(int32(1))},
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
		cmd = exec.Command("node", filepath.Join("testdata", "node_producer.mjs"), repoRoot, url, spec.Kind, spec.Queue, string(spec.Args))
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

// TestCrossLanguageDedup: the same job from Go and from Awa's Python producer (and the Node
// package when installed) collides on one unique key, whichever inserts first.
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
				job := awaenqueue.Job{Kind: "dedup_job", Queue: &queue, Args: spelled, Unique: b.DefaultUniqueOpts()}
				theirID := producer(t, lang, url, producerSpec{Kind: "dedup_job", Queue: queue, Args: plain, UniqueOpts: map[string]any{"by_args": true}})
				if theirID == 0 {
					t.Fatalf("%s producer reported a conflict on a fresh key", lang)
				}
				p, err := b.Prepare(ctx, job)
				if err != nil {
					t.Fatal(err)
				}
				if stored, _ := storedKey(t, db, theirID); !bytes.Equal(stored, p.UniqueKey) {
					t.Fatalf("%s stored key %x, Go derives %x", lang, stored, p.UniqueKey)
				}
				if _, err = b.Enqueue(ctx, db, job); !awaenqueue.IsUniqueConflict(err) {
					t.Fatalf("Go after %s: want unique conflict, got %v", lang, err)
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
				t.Logf("%s/%s: dedup both ways (key %x)", mode, lang, p.UniqueKey)
			}
		})
	}
}

// TestRustProducerDedup: Awa's own Rust producer (awa-model 0.6.9 insert_many) and Go collide
// on one unique key, both directions, for Awa's default options, by_queue and by_period.
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
			byQueue := b.DefaultUniqueOpts()
			byQueue.ByQueue = true
			byPeriod := b.DefaultUniqueOpts()
			byPeriod.ByPeriod = &bucket
			variants := []struct {
				name string
				rust map[string]any // Awa's unique_opts, omitted fields take awa-model's defaults
				goes *awaenqueue.UniqueOpts
				// the same job on another queue: a duplicate unless the queue is part of the key
				otherQueueCollides bool
			}{
				{"default", map[string]any{}, b.DefaultUniqueOpts(), true},
				{"by_queue", map[string]any{"by_queue": true}, byQueue, false},
				{"by_period", map[string]any{"by_period": bucket}, byPeriod, true},
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
				if !bytes.Equal(key, p.UniqueKey) || p.UniqueStates == nil || states != *p.UniqueStates {
					t.Fatalf("%s: Rust stored key %x states %s, Go derives %x %v", v.name, key, states, p.UniqueKey, p.UniqueStates)
				}
				if _, err := b.Enqueue(ctx, db, job); !awaenqueue.IsUniqueConflict(err) {
					t.Fatalf("%s: Go after Rust: want unique conflict, got %v", v.name, err)
				}
				other := job
				other.Queue = &otherQueue
				_, err = b.Enqueue(ctx, db, other)
				if v.otherQueueCollides != awaenqueue.IsUniqueConflict(err) || (!v.otherQueueCollides && err != nil) {
					t.Fatalf("%s: Go on another queue: collides=%v wanted, got %v", v.name, v.otherQueueCollides, err)
				}

				// Go inserts first; Rust collides
				plain, job.Args = dedupArgs("go_"+v.name, 2*i+1)
				row, err := b.Enqueue(ctx, db, job)
				if err != nil {
					t.Fatal(err)
				}
				spec.Args = plain
				if id := producer(t, "rust", url, spec); id != 0 {
					t.Fatalf("%s: Rust inserted job %d although Go's job %d holds the key", v.name, id, row.ID)
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
	if _, err := b.Enqueue(ctx, tx, awaenqueue.Job{Kind: "rolled_back", Unique: b.DefaultUniqueOpts()}); err != nil {
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
	if _, err := b.Enqueue(ctx, db, awaenqueue.Job{Kind: "rolled_back", Unique: b.DefaultUniqueOpts()}); err != nil {
		t.Fatal(err)
	}
}

func TestSavepointDuplicateKeepsTransaction(t *testing.T) {
	_, db := awaDB(t, "go_savepoint", "canonical")
	b := builder(t)
	ctx := context.Background()
	job := awaenqueue.Job{Kind: "sp_job", Args: json.RawMessage(`{"order":7}`), Unique: b.DefaultUniqueOpts()}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first, dup, err := b.EnqueueSavepoint(ctx, tx, job)
	if err != nil || dup || first == nil {
		t.Fatalf("first: %v %v %v", first, dup, err)
	}
	row, dup, err := b.EnqueueSavepoint(ctx, tx, job)
	if err != nil || !dup || row != nil {
		t.Fatalf("duplicate: %v %v %v", row, dup, err)
	}
	// the plain helper reports the same duplicate as a typed error (and aborts the tx)
	other, err := b.Enqueue(ctx, tx, awaenqueue.Job{Kind: "sp_job", Args: json.RawMessage(`{"order":8}`)})
	if err != nil {
		t.Fatalf("the transaction must go on after a savepoint duplicate: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM awa.jobs WHERE id IN ($1, $2)", first.ID, other.ID).Scan(&n); err != nil || n != 2 {
		t.Fatalf("committed %d of 2 (%v)", n, err)
	}
	_, err = b.Enqueue(ctx, db, job)
	if !awaenqueue.IsUniqueConflict(err) {
		t.Fatalf("want unique conflict, got %v", err)
	}
	// outside a transaction (pool) the savepoint helper opens its own transaction
	if _, dup, err := b.EnqueueSavepoint(ctx, db, job); err != nil || !dup {
		t.Fatalf("pool duplicate: %v %v", dup, err)
	}
}

func TestDatabaseSQLAndConn(t *testing.T) {
	url, _ := awaDB(t, "go_stdlib", "canonical")
	b := builder(t)
	ctx := context.Background()
	sdb, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	q, args, err := b.BuildInsert(ctx, awaenqueue.Job{Kind: "stdlib_job", Args: map[string]any{"a": []int{1, 2}},
		Tags: []string{"x", "y"}, Unique: b.DefaultUniqueOpts(), OrderingKey: []byte{}})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := sdb.QueryContext(ctx, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if !rows.Next() {
		t.Fatal("no row", rows.Err())
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	got := map[string]any{}
	for i, c := range cols {
		got[c] = vals[i]
	}
	if got["kind"] != "stdlib_job" || got["state_str"] != "available" || len(cols) != 28 {
		t.Fatalf("row %v", got)
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var id int64
	var key []byte
	q, args, _ = b.BuildInsert(ctx, awaenqueue.Job{Kind: "conn_job"})
	if err := conn.QueryRow(ctx, "SELECT id, unique_key FROM ("+q+") AS j", args...).Scan(&id, &key); err != nil || id == 0 || key != nil {
		t.Fatalf("%d %x %v", id, key, err)
	}
	if _, err := b.CheckSchema(ctx, conn); err != nil {
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
