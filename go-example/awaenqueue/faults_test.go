package awaenqueue_test

// Faults against a real PostgreSQL while EnqueueMany (one batch of 40,000 jobs) or TryEnqueue
// (in a transaction, blocked on a concurrent holder of the key) runs: the backend terminated,
// the context cancelled, statement_timeout, the TCP connection cut or stalled by a loopback
// proxy, the server restarted. Each time: a typed error within faultBound, never a partial
// batch, the pool recovers, and a unique job retried twice is stored once.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/lib/pq"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
)

const (
	faultBatch = 40000 // jobs in a batch the server stops (it hears of the fault)
	// jobs in a batch whose backend runs on alone (network gone) or is re-run: queue storage
	// inserts about 1,000 jobs/s here and the test waits for it
	orphanBatch = 4000
	faultApp    = "awa_enqueue_faults" // application_name of this file's connections
	faultBound  = 15 * time.Second     // a faulted call returns within this after the fault
)

type faultEnv struct {
	url   string
	b     *awaenqueue.Builder
	admin *pgxpool.Pool // injects faults and counts rows
}

func faultJobs(marker string, n int) []awaenqueue.Job {
	jobs := make([]awaenqueue.Job, n)
	for i := range jobs {
		jobs[i] = awaenqueue.Job{Kind: "fault_batch", Queue: new(fmt.Sprintf("fault_%d", i%4)),
			Args: json.RawMessage(fmt.Sprintf(`{"marker":%q,"i":%d}`, marker, i)), Tags: []string{"a,b", `{"x"}`}}
		if i%3 != 0 {
			jobs[i].OrderingKey = fmt.Appendf(nil, "k%d", i%17)
		}
	}
	return jobs
}

func faultUnique(marker string) awaenqueue.Job {
	return awaenqueue.Job{Kind: "fault_unique", Queue: new("fault_u"), Args: map[string]string{"marker": marker},
		Unique: &awaenqueue.UniqueOpts{ByArgs: true}}
}

// TestFaults runs sequentially (no t.Parallel): the package's other database tests wait in
// t.Parallel until it is done, so the restart cannot hit them.
func TestFaults(t *testing.T) {
	if os.Getenv("DATABASE_URL") == "" {
		t.Skip("DATABASE_URL is not set (run through scripts/with-db.sh)")
	}
	began := time.Now()
	out, err := exec.Command(filepath.Join(repoRoot, "scripts", "new-awa-db.sh"), "go_faults", "queue_storage").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("new-awa-db.sh: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	f := &faultEnv{url: strings.TrimSpace(string(out)), b: builder(t)}
	f.admin = f.pool(t, "", func(c *pgxpool.Config) { c.MaxConns = 4 })
	t.Cleanup(func() { t.Logf("fault tests: %v", time.Since(began).Round(time.Millisecond)) })

	direct := f.pool(t, "", nil) // pgx's default: a cancelled context closes the connection
	cancelReq := f.pool(t, "", func(c *pgxpool.Config) {
		c.ConnConfig.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
			return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 5 * time.Second}
		}
	})
	px := startProxy(t, f.admin.Config().ConnConfig)
	viaProxy := f.pool(t, px.addr(), nil)
	cut := func(*testing.T, uint32, context.CancelFunc) { px.cut() }

	// EnqueueMany on a pgxpool.Pool of one connection (or on tx).
	pgxBatch := func(pool *pgxpool.Pool, n int, setup string) func(t *testing.T, marker string) faultCall {
		return func(t *testing.T, marker string) faultCall {
			jobs := faultJobs(marker, n)
			var db awaenqueue.DB = pool
			c := faultCall{n: n, pid: f.poolPID(t, pool)}
			if setup != "" {
				ctx := context.Background()
				tx, err := pool.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { rollback(tx) })
				if _, err := tx.Exec(ctx, setup); err != nil {
					t.Fatal(err)
				}
				db, c.after = tx, func() { rollback(tx) }
			}
			c.run = func(ctx context.Context) error {
				_, err := f.b.EnqueueMany(ctx, db, jobs)
				return err
			}
			return c
		}
	}
	t.Run("batch_terminate", func(t *testing.T) {
		wantPg(t, f.batch(t, "b_terminate", pgxBatch(direct, faultBatch, ""), f.terminate), "57P01")
		f.recovers(t, "b_terminate", direct)
	})
	t.Run("batch_cancel_request", func(t *testing.T) {
		wantCanceled(t, f.batch(t, "b_cancel_req", pgxBatch(cancelReq, faultBatch, ""), cancelCtx))
		f.recovers(t, "b_cancel_req", cancelReq)
	})
	t.Run("batch_cancel_closes_conn", func(t *testing.T) {
		// pgx closes the connection and then sends a cancel request
		wantCanceled(t, f.batch(t, "b_cancel_close", pgxBatch(direct, faultBatch, ""), cancelCtx))
		f.recovers(t, "b_cancel_close", direct)
	})
	t.Run("batch_statement_timeout", func(t *testing.T) {
		wantPg(t, f.batch(t, "b_timeout", pgxBatch(direct, faultBatch, "SET LOCAL statement_timeout = '300ms'"), nil), "57014")
		f.recovers(t, "b_timeout", direct)
	})
	t.Run("batch_proxy_cut", func(t *testing.T) {
		wantConnErr(t, f.batch(t, "b_cut", pgxBatch(viaProxy, orphanBatch, ""), cut))
		px.up()
		f.recovers(t, "b_cut", viaProxy)
	})
	t.Run("batch_proxy_stall_deadline", func(t *testing.T) {
		err := f.batch(t, "b_stall", func(t *testing.T, marker string) faultCall {
			c := pgxBatch(viaProxy, orphanBatch, "")(t, marker)
			c.deadline, c.after = time.Second, px.cut // the caller's deadline expires during the stall
			return c
		}, func(*testing.T, uint32, context.CancelFunc) { px.stall() })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("want context.DeadlineExceeded, got %T %v", err, err)
		}
		px.up()
		f.recovers(t, "b_stall", viaProxy)
	})
	t.Run("batch_restart", func(t *testing.T) {
		pool := f.restartPool(t)
		wantPg(t, f.batch(t, "b_restart", pgxBatch(pool, faultBatch, ""), f.restart), "57P01") // fast shutdown
		f.recovers(t, "b_restart", pool)
	})

	// EnqueueManyStd on a *sql.DB of one connection, pgx stdlib and lib/pq.
	for _, drv := range []string{"pgx", "postgres"} {
		db := f.stdDB(t, drv)
		stdBatch := func(n int, rerun bool) func(t *testing.T, marker string) faultCall {
			return func(t *testing.T, marker string) faultCall {
				jobs := faultJobs(marker, n)
				c := faultCall{n: n, rerun: rerun}
				if err := db.QueryRowContext(context.Background(), "SELECT pg_backend_pid()").Scan(&c.pid); err != nil {
					t.Fatal(err)
				}
				c.run = func(ctx context.Context) error {
					_, err := f.b.EnqueueManyStd(ctx, db, jobs)
					return err
				}
				return c
			}
		}
		t.Run("std_"+drv+"_terminate", func(t *testing.T) {
			if drv == "pgx" {
				wantPg(t, f.batch(t, "s_terminate_"+drv, stdBatch(faultBatch, false), f.terminate), "57P01")
			} else {
				// lib/pq reports the FATAL error as driver.ErrBadConn, so *sql.DB re-runs the
				// statement on a new connection: the batch is stored once, by the re-run.
				if err := f.batch(t, "s_terminate_"+drv, stdBatch(orphanBatch, true), f.terminate); err != nil {
					wantPgOrPq(t, err, "57P01")
				}
			}
			f.recoversStd(t, "s_terminate_"+drv, db)
		})
		t.Run("std_"+drv+"_cancel", func(t *testing.T) {
			wantCanceled(t, f.batch(t, "s_cancel_"+drv, stdBatch(faultBatch, false), cancelCtx))
			f.recoversStd(t, "s_cancel_"+drv, db)
		})
	}

	// TryEnqueue in a transaction, blocked on a holder of the same key.
	tryCall := func(pool *pgxpool.Pool, setup string) func(t *testing.T, marker string) faultCall {
		return func(t *testing.T, marker string) faultCall {
			ctx := context.Background()
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rollback(tx) })
			if setup != "" {
				if _, err := tx.Exec(ctx, setup); err != nil {
					t.Fatal(err)
				}
			}
			return faultCall{pid: tx.Conn().PgConn().PID(), run: func(ctx context.Context) error {
				res, err := f.b.TryEnqueue(ctx, tx, faultUnique(marker))
				if err == nil {
					return fmt.Errorf("no error: %+v", res)
				}
				return err
			}, after: func() { rollback(tx) }}
		}
	}
	t.Run("try_terminate", func(t *testing.T) {
		wantPg(t, f.try(t, "t_terminate", tryCall(direct, ""), f.terminate), "57P01")
		f.recovers(t, "t_terminate", direct)
	})
	t.Run("try_cancel_request", func(t *testing.T) {
		wantCanceled(t, f.try(t, "t_cancel_req", tryCall(cancelReq, ""), cancelCtx))
		f.recovers(t, "t_cancel_req", cancelReq)
	})
	t.Run("try_cancel_closes_conn", func(t *testing.T) {
		wantCanceled(t, f.try(t, "t_cancel_close", tryCall(direct, ""), cancelCtx))
		f.recovers(t, "t_cancel_close", direct)
	})
	t.Run("try_statement_timeout", func(t *testing.T) {
		wantPg(t, f.try(t, "t_timeout", tryCall(direct, "SET LOCAL statement_timeout = '500ms'"), nil), "57014")
		f.recovers(t, "t_timeout", direct)
	})
	t.Run("try_proxy_cut", func(t *testing.T) {
		wantConnErr(t, f.try(t, "t_cut", tryCall(viaProxy, ""), cut))
		px.up()
		f.recovers(t, "t_cut", viaProxy)
	})
	t.Run("try_restart", func(t *testing.T) {
		pool := f.restartPool(t)
		wantPg(t, f.try(t, "t_restart", tryCall(pool, ""), f.restart), "57P01")
		f.recovers(t, "t_restart", pool)
	})

	t.Run("sanity_no_fault", func(t *testing.T) {
		start := time.Now()
		rows, err := f.b.EnqueueMany(context.Background(), direct, faultJobs("none", orphanBatch))
		if err != nil || len(rows) != orphanBatch {
			t.Fatalf("%d rows, %v", len(rows), err)
		}
		if n := f.count(t, "fault_batch", "none"); n != orphanBatch {
			t.Fatalf("stored %d of %d", n, orphanBatch)
		}
		t.Logf("the batch without a fault: %d jobs in %v", orphanBatch, time.Since(start).Round(time.Millisecond))
	})
}

// pool is a one-connection pool on f's database (through addr when set).
func (f *faultEnv) pool(t *testing.T, addr string, adjust func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(f.url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	cfg.ConnConfig.RuntimeParams["application_name"] = faultApp
	if addr != "" {
		host, port, _ := net.SplitHostPort(addr)
		cfg.ConnConfig.Host = host
		fmt.Sscan(port, &cfg.ConnConfig.Port)
		cfg.ConnConfig.Fallbacks, cfg.ConnConfig.TLSConfig = nil, nil
	}
	if adjust != nil {
		adjust(cfg)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func (f *faultEnv) stdDB(t *testing.T, driver string) *sql.DB {
	t.Helper()
	var db *sql.DB
	if driver == "pgx" {
		cfg, err := pgx.ParseConfig(f.url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RuntimeParams["application_name"] = faultApp
		db = stdlib.OpenDB(*cfg)
	} else {
		var err error
		if db, err = sql.Open(driver, pqURL(f.url)+"&application_name="+faultApp); err != nil {
			t.Fatal(err)
		}
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func (f *faultEnv) poolPID(t *testing.T, pool *pgxpool.Pool) uint32 {
	t.Helper()
	c, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	return c.Conn().PgConn().PID()
}

// faultCall is one call under test on backend pid; after runs once it returned. With a
// deadline, the call's context expires that long after the fault.
type faultCall struct {
	pid      uint32
	run      func(ctx context.Context) error
	after    func()
	deadline time.Duration
	n        int  // jobs in the batch
	rerun    bool // the driver may re-run the statement after the fault and succeed
}

// inject is a fault, injected while the call runs (cancel cancels the call's context);
// nil for a fault that comes by itself (statement_timeout).
type inject func(t *testing.T, pid uint32, cancel context.CancelFunc)

func cancelCtx(_ *testing.T, _ uint32, cancel context.CancelFunc) { cancel() }

func (f *faultEnv) terminate(t *testing.T, pid uint32, _ context.CancelFunc) {
	if _, err := f.admin.Exec(context.Background(), "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Errorf("pg_terminate_backend: %v", err)
	}
}

// restart restarts the server with scripts/pg-ctl.sh.
func (f *faultEnv) restart(t *testing.T, _ uint32, _ context.CancelFunc) {
	out, err := exec.Command(filepath.Join(repoRoot, "scripts", "pg-ctl.sh"), "restart").CombinedOutput()
	if err != nil {
		t.Errorf("pg-ctl.sh restart: %v\n%s", err, out)
	}
	f.admin.Reset()
}

// lateCtx is a context whose deadline is set once the call runs (expire).
type lateCtx struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func (c *lateCtx) Done() <-chan struct{} { return c.done }
func (c *lateCtx) expire()               { c.once.Do(func() { close(c.done) }) }
func (c *lateCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// restartPool checks that the restart is possible and waits until no client outside this file
// is connected (another package's tests may share the cluster).
func (f *faultEnv) restartPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	if os.Getenv("AWA_ENQUEUE_PG_DATA") == "" {
		t.Fatal("AWA_ENQUEUE_PG_DATA is unset: run through scripts/with-db.sh (it starts the cluster this test restarts)")
	}
	deadline := time.Now().Add(60 * time.Second)
	for quiet := 0; quiet < 8; {
		var n int
		if err := f.admin.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE backend_type = 'client backend' AND application_name <> $1`, faultApp).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if quiet++; n > 0 {
			quiet = 0
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d other clients stay connected to the cluster; not restarting it", n)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return f.pool(t, "", nil)
}

// start runs call, waits until its statement has run for 150 ms (its wait event is returned),
// injects the fault and returns the call's error, failing when it does not return within
// faultBound.
func (f *faultEnv) start(t *testing.T, call faultCall, fault inject) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	late := &lateCtx{Context: ctx, done: make(chan struct{})}
	if call.deadline > 0 {
		ctx = late
		context.AfterFunc(late.Context, late.expire)
	}
	res := make(chan error, 1)
	go func() { res <- call.run(ctx) }()
	wait := f.whenRunning(t, call.pid, res)
	begin := time.Now()
	if fault != nil {
		fault(t, call.pid, cancel)
	}
	if call.deadline > 0 {
		time.AfterFunc(call.deadline, late.expire)
	}
	var err error
	select {
	case err = <-res:
	case <-time.After(faultBound):
		buf := make([]byte, 1<<20)
		t.Fatalf("the call did not return within %v of the fault\n%s\n%s", faultBound, f.activity(), buf[:runtime.Stack(buf, true)])
	}
	t.Logf("returned %v after the fault: %T %v", time.Since(begin).Round(time.Millisecond), err, err)
	if call.after != nil {
		call.after()
	}
	if err == nil && !call.rerun {
		t.Fatal("the call succeeded despite the fault")
	}
	return wait, err
}

// batch runs a faulted batch and checks that it stored all or nothing (nothing when the
// server reported the error).
func (f *faultEnv) batch(t *testing.T, marker string, mk func(*testing.T, string) faultCall, fault inject) error {
	t.Helper()
	call := mk(t, marker)
	_, err := f.start(t, call, fault)
	f.settled(t, call.pid)
	n := f.count(t, "fault_batch", marker)
	_, pg := errors.AsType[*pgconn.PgError](err)
	switch {
	case err == nil && n != call.n:
		t.Fatalf("the re-run batch stored %d of %d", n, call.n)
	case (pg && n != 0) || (n != 0 && n != call.n):
		t.Fatalf("partial batch: %d of %d stored (%v)", n, call.n, err)
	}
	t.Logf("%d of %d jobs stored", n, call.n)
	return err
}

// try holds the unique job's key in another transaction, runs the faulted TryEnqueue (which
// must wait on the holder), then rolls the holder back: nothing is stored.
func (f *faultEnv) try(t *testing.T, marker string, mk func(*testing.T, string) faultCall, fault inject) error {
	t.Helper()
	ctx := context.Background()
	holder, err := f.admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	defer rollback(holder)
	if res, err := f.b.TryEnqueue(hctx, holder, faultUnique(marker)); err != nil || res.Row == nil {
		t.Fatalf("holder: %+v %v\n%s", res, err, f.activity())
	}
	call := mk(t, marker)
	wait, err := f.start(t, call, fault)
	if wait != "Lock" {
		t.Errorf("TryEnqueue waited on %q, not on the holder's lock", wait)
	}
	rollback(holder)
	f.settled(t, call.pid)
	if n := f.count(t, "fault_unique", marker); n != 0 {
		t.Fatalf("%d unique jobs stored", n)
	}
	return err
}

func rollback(tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = tx.Rollback(ctx) // fails when the fault closed the connection
}

// whenRunning returns the wait event type once backend pid has run a statement other than
// SAVEPOINT for 150 ms (pg_stat_activity truncates the text at 1 kB: match by pid).
func (f *faultEnv) whenRunning(t *testing.T, pid uint32, res chan error) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var long bool
		var wait *string
		err := f.admin.QueryRow(context.Background(), `SELECT clock_timestamp() - query_start > interval '150 ms', wait_event_type
			FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query NOT LIKE 'SAVEPOINT%'`, pid).Scan(&long, &wait)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		if long {
			if wait == nil {
				return ""
			}
			return *wait
		}
		select {
		case err := <-res:
			t.Fatalf("the call returned before the fault: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend %d never ran the statement for 150 ms", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settled waits until backend pid runs no statement (a backend whose client went away may
// still be finishing one).
func (f *faultEnv) settled(t *testing.T, pid uint32) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		if err := f.admin.QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend %d still runs its statement", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// activity describes the database's other backends (for failure messages).
func (f *faultEnv) activity() string {
	rows, err := f.admin.Query(context.Background(), `SELECT pid, state, coalesce(wait_event_type, ''), coalesce(wait_event, ''),
		application_name, left(query, 80) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		return err.Error()
	}
	var out strings.Builder
	for rows.Next() {
		var pid int
		var state, wt, we, app, q string
		if err := rows.Scan(&pid, &state, &wt, &we, &app, &q); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&out, "%d %s %s/%s %s: %s\n", pid, state, wt, we, app, q)
	}
	return out.String()
}

func (f *faultEnv) count(t *testing.T, kind, marker string) int {
	t.Helper()
	var n int
	if err := f.admin.QueryRow(context.Background(), "SELECT count(*) FROM awa.jobs WHERE kind = $1 AND args->>'marker' = $2", kind, marker).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// recovers: a later query on pool works, and the unique job retried twice is stored once.
func (f *faultEnv) recovers(t *testing.T, marker string, pool *pgxpool.Pool) {
	t.Helper()
	f.retryOnce(t, marker, func(ctx context.Context) error {
		_, err := pool.Exec(ctx, "SELECT 1")
		return err
	}, func(ctx context.Context) (awaenqueue.InsertResult, error) {
		return f.b.TryEnqueue(ctx, pool, faultUnique(marker))
	})
}

func (f *faultEnv) recoversStd(t *testing.T, marker string, db *sql.DB) {
	t.Helper()
	f.retryOnce(t, marker, func(ctx context.Context) error {
		_, err := db.ExecContext(ctx, "SELECT 1")
		return err
	}, func(ctx context.Context) (awaenqueue.InsertResult, error) {
		return f.b.TryEnqueueStd(ctx, db, faultUnique(marker))
	})
}

func (f *faultEnv) retryOnce(t *testing.T, marker string, ping func(context.Context) error, try func(context.Context) (awaenqueue.InsertResult, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for err := ping(ctx); err != nil; err = ping(ctx) {
		if ctx.Err() != nil {
			t.Fatalf("the pool did not recover: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	first, err := try(ctx)
	if err != nil || first.Row == nil {
		t.Fatalf("retry: %+v %v", first, err)
	}
	again, err := try(ctx)
	if err != nil || !again.Duplicate || again.Existing == nil || again.Existing.ID != first.Row.ID {
		t.Fatalf("second retry: %+v %v", again, err)
	}
	if n := f.count(t, "fault_unique", marker); n != 1 {
		t.Fatalf("the unique job is stored %d times", n)
	}
}

func wantPgOrPq(t *testing.T, err error, code string) {
	t.Helper()
	if pe, ok := errors.AsType[*pq.Error](err); ok && string(pe.Code) == code {
		return
	}
	wantPg(t, err, code)
}

func wantPg(t *testing.T, err error, code string) {
	t.Helper()
	if pg, ok := errors.AsType[*pgconn.PgError](err); !ok || pg.Code != code {
		t.Fatalf("want SQLSTATE %s, got %T %v", code, err, err)
	}
}

// wantCanceled: context.Canceled, or 57014 when the server's cancel won the race.
func wantCanceled(t *testing.T, err error) {
	t.Helper()
	if pg, ok := errors.AsType[*pgconn.PgError](err); ok && pg.Code == "57014" {
		return
	}
	if pe, ok := errors.AsType[*pq.Error](err); ok && pe.Code == "57014" {
		return
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled or SQLSTATE 57014, got %T %v", err, err)
	}
}

// wantConnErr: the connection broke (not a server error).
func wantConnErr(t *testing.T, err error) {
	t.Helper()
	if _, ok := errors.AsType[*net.OpError](err); ok || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return
	}
	t.Fatalf("want a connection error, got %T %v", err, err)
}

// tcpProxy forwards loopback connections to the server; cut closes them and refuses new ones
// (so no cancel request gets through) until up; stall stops the traffic (peers stay connected).
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]bool
	flow  chan struct{} // closed while traffic flows
	down  bool
}

func startProxy(t *testing.T, cfg *pgx.ConnConfig) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, conns: map[net.Conn]bool{}, flow: make(chan struct{})}
	close(p.flow)
	target := net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port))
	go func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			refuse := p.down
			p.mu.Unlock()
			if refuse {
				down.Close()
				continue
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				down.Close()
				continue
			}
			p.mu.Lock()
			p.conns[down], p.conns[up] = true, true
			p.mu.Unlock()
			go p.pump(up, down)
			go p.pump(down, up)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) pump(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			flow := p.flow
			p.mu.Unlock()
			<-flow
			if _, err := dst.Write(buf[:n]); err != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

func (p *tcpProxy) up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	select {
	case <-p.flow:
	default:
		close(p.flow)
	}
}

func (p *tcpProxy) stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flow = make(chan struct{})
}
