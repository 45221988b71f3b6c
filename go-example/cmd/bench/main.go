// Command bench (a benchmark, not a test): Prepare calls/s on the job mix of bench/jobs.jsonl
// and, with DATABASE_URL, EnqueueMany jobs/s (1000 rows per statement) per storage mode.
// Prints `RESULT host=go ...` summary lines.
//
//	go run ./cmd/bench REPO_ROOT
package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
	"github.com/awa-enqueue/awa-enqueue/go-example/internal/conformance"
	"github.com/jackc/pgx/v5"
)

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

func main() {
	root := ".."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	if err := run(root); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
