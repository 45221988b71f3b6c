// Command bench (a benchmark, not a test): Prepare calls/s on the job mix of bench/jobs.jsonl
// and, with DATABASE_URL, EnqueueMany jobs/s (1000 rows per statement) per storage mode.
// Prints `RESULT host=go ...` summary lines.
//
//	go run ./cmd/bench REPO_ROOT
//
// With --metric, one measurement of scripts/bench.py's protocol on the Awa database of
// DATABASE_URL (the same arms as host-tests' bench --host rust):
//
//	go-bench --metric enqueue-many|enqueue-many-parallel|single|cold-start
//	         [--rows 1000] [--batches 5] [--parallel 3] [--calls 2000] [REPO_ROOT]
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
	"github.com/awa-enqueue/awa-enqueue/go-example/internal/conformance"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// started: as early as main's package can read the clock (after its imports' init).
var started = time.Now()

// measure: best of 3 rounds of ~1.5 s after 2000 warm-up calls, in calls per second.
func measure(f func(i int)) float64 {
	for i := range 2000 {
		f(i)
	}
	best := 0.0
	for range 3 {
		n := 0
		start := time.Now()
		for time.Since(start) < 1500*time.Millisecond {
			for range 200 {
				f(n)
				n++
			}
		}
		best = max(best, float64(n)/time.Since(start).Seconds())
	}
	return best
}

func jobMix(root string) ([]awaenqueue.Job, error) {
	text, err := os.ReadFile(filepath.Join(root, "bench", "jobs.jsonl"))
	if err != nil {
		return nil, err
	}
	var jobs []awaenqueue.Job
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		job, err := conformance.PrepareJob(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("bench/jobs.jsonl: %w", err)
		}
		jobs = append(jobs, job)
	}
	return jobs, nil
}

func enqueueMany(ctx context.Context, b *awaenqueue.Builder, root, mode string, mix []awaenqueue.Job) (float64, error) {
	out, err := exec.Command(filepath.Join(root, "scripts", "new-awa-db.sh"), "bench_go_"+mode, mode).Output()
	if err != nil {
		return 0, fmt.Errorf("new-awa-db.sh: %w", err)
	}
	url := strings.TrimSpace(string(out))
	conn, err := pgx.Connect(ctx, url[strings.LastIndex(url, "\n")+1:])
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	const rows, statements = 1000, 5
	batch := make([]awaenqueue.Job, rows)
	for i := range batch {
		batch[i] = mix[i%len(mix)]
		batch[i].Unique = nil // the mix repeats
	}
	if _, err := b.EnqueueMany(ctx, conn, batch); err != nil { // warm-up
		return 0, err
	}
	start := time.Now()
	for range statements {
		if _, err := b.EnqueueMany(ctx, conn, batch); err != nil {
			return 0, err
		}
	}
	return rows * statements / time.Since(start).Seconds(), nil
}

func run(root string) error {
	ctx := context.Background()
	b, err := awaenqueue.New(ctx)
	if err != nil {
		return err
	}
	defer b.Close(ctx)
	mix, err := jobMix(root)
	if err != nil {
		return err
	}
	var failed error
	rate := measure(func(i int) {
		if _, err := b.Prepare(ctx, mix[i%len(mix)]); err != nil && failed == nil {
			failed = err
		}
	})
	if failed != nil {
		return failed
	}
	fmt.Printf("go Prepare (%d-job mix of bench/jobs.jsonl): %.0f calls/s\n", len(mix), rate)
	fmt.Printf("RESULT host=go metric=prepare value=%.0f unit=calls/s\n", rate)
	if os.Getenv("DATABASE_URL") == "" {
		fmt.Println("(DATABASE_URL unset: no database throughput)")
		return nil
	}
	for _, mode := range []string{"canonical", "queue_storage"} {
		jobsPerSec, err := enqueueMany(ctx, b, root, mode, mix)
		if err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
		fmt.Printf("go EnqueueMany %s (1000 rows/statement, 5 statements): %.0f jobs/s\n", mode, jobsPerSec)
		fmt.Printf("RESULT host=go metric=enqueue_many mode=%s value=%.0f unit=jobs/s\n", mode, jobsPerSec)
	}
	return nil
}

type params struct{ rows, batches, parallel, calls int }

func result(metric string, value float64, unit string) {
	fmt.Printf("RESULT host=go metric=%s value=%.3f unit=%s\n", metric, value, unit)
}

// protocol runs one measurement of scripts/bench.py's protocol.
func protocol(root, metric string, p params) error {
	ctx := context.Background()
	if metric == "cold-start" {
		b, err := awaenqueue.New(ctx)
		if err != nil {
			return err
		}
		defer b.Close(ctx)
		if _, err := b.Prepare(ctx, awaenqueue.Job{Kind: "cold_start", Args: map[string]int{"n": 1}}); err != nil {
			return err
		}
		result(metric, float64(time.Since(started).Microseconds())/1000, "ms")
		return nil
	}
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return fmt.Errorf("DATABASE_URL must point at an Awa database")
	}
	b, err := awaenqueue.New(ctx)
	if err != nil {
		return err
	}
	defer b.Close(ctx)
	mix, err := jobMix(root)
	if err != nil {
		return err
	}
	for i := range mix {
		mix[i].Unique = nil // the mix repeats within and across batches
	}
	batch := make([]awaenqueue.Job, p.rows)
	for i := range batch {
		batch[i] = mix[i%len(mix)]
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return err
	}
	cfg.MaxConns = int32(p.parallel + 1)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	rate := func(start time.Time, n int) float64 { return float64(n) / time.Since(start).Seconds() }
	switch metric {
	case "enqueue-many":
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		if _, err := b.EnqueueMany(ctx, conn, batch); err != nil { // warm-up
			return err
		}
		start := time.Now()
		for range p.batches {
			if _, err := b.EnqueueMany(ctx, conn, batch); err != nil {
				return err
			}
		}
		result(metric, rate(start, p.rows*p.batches), "jobs/s")
	case "enqueue-many-parallel":
		if _, err := b.EnqueueManyParallel(ctx, pool, batch, p.parallel); err != nil { // warm-up
			return err
		}
		n := 0
		start := time.Now()
		for range p.batches {
			res, err := b.EnqueueManyParallel(ctx, pool, batch, p.parallel)
			if err != nil {
				return err
			}
			n += len(res.Rows)
		}
		result(metric, rate(start, n), "jobs/s")
	case "single":
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		latencies := make([]float64, 0, p.calls)
		for i := range p.calls + 100 {
			start := time.Now()
			if _, err := b.Enqueue(ctx, conn, mix[i%len(mix)]); err != nil {
				return err
			}
			if i >= 100 {
				latencies = append(latencies, float64(time.Since(start).Nanoseconds())/1e6)
			}
		}
		slices.Sort(latencies)
		pct := func(q float64) float64 { return latencies[int(float64(len(latencies)-1)*q+0.5)] }
		result("single_p50", pct(0.5), "ms")
		result("single_p99", pct(0.99), "ms")
	default:
		return fmt.Errorf("no metric %s", metric)
	}
	return nil
}

func main() {
	metric := flag.String("metric", "", "one measurement: enqueue-many, enqueue-many-parallel, single or cold-start")
	var p params
	flag.IntVar(&p.rows, "rows", 1000, "jobs per batch")
	flag.IntVar(&p.batches, "batches", 5, "timed batches after one warm-up")
	flag.IntVar(&p.parallel, "parallel", 3, "parts of a parallel batch")
	flag.IntVar(&p.calls, "calls", 2000, "timed single enqueues after 100 warm-up calls")
	flag.Parse()
	root := flag.Arg(0)
	if root == "" {
		root = ".."
		if _, err := os.Stat(filepath.Join("bench", "jobs.jsonl")); err == nil {
			root = "." // run from the repository root (scripts/bench.py)
		}
	}
	var err error
	if *metric != "" {
		err = protocol(root, *metric, p)
	} else {
		err = run(root)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
