package awaenqueue_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
)

var parallelQueues = []string{"par_a", "par_b", "par_c", "par_d"}

func parallelBatch(tag string, n int) []awaenqueue.Job {
	jobs := make([]awaenqueue.Job, n)
	for i := range jobs {
		jobs[i] = awaenqueue.Job{Kind: "par_job", Queue: &parallelQueues[i%len(parallelQueues)],
			Args: map[string]any{"tag": tag, "i": i}, Tags: []string{tag}}
	}
	return jobs
}

func parallelCount(t *testing.T, pool *pgxpool.Pool, tag string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM awa.jobs WHERE $1 = ANY(tags)", tag).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func argIndex(t *testing.T, r *awaenqueue.JobRow) int {
	t.Helper()
	var a struct{ I int }
	if err := json.Unmarshal(r.Args, &a); err != nil {
		t.Fatal(err)
	}
	return a.I
}

func TestEnqueueManyParallel(t *testing.T) {
	for _, mode := range []string{"canonical", "queue_storage"} {
		t.Run(mode, func(t *testing.T) {
			_, pool := awaDB(t, "go_parallel_"+mode, mode)
			b := builder(t)
			ctx := context.Background()

			t.Run("order", func(t *testing.T) {
				jobs := parallelBatch("order", 1000)
				res, err := b.EnqueueManyParallel(ctx, pool, jobs, 3)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Parts) < 2 || len(res.Parts) > 3 {
					t.Fatalf("%d parts", len(res.Parts))
				}
				for i, r := range res.Rows {
					if r == nil || argIndex(t, r) != i || r.Queue != *jobs[i].Queue {
						t.Fatalf("row %d: %+v", i, r)
					}
				}
				var all []int
				owner := map[string]int{}
				for pi, p := range res.Parts {
					if p.Err != nil || len(p.Rows) != len(p.Jobs) {
						t.Fatalf("part %d: %v", pi, p.Err)
					}
					for k, j := range p.Jobs {
						if argIndex(t, &p.Rows[k]) != j {
							t.Fatalf("part %d row %d is job %d", pi, k, argIndex(t, &p.Rows[k]))
						}
						if mode == "queue_storage" { // by queue: a queue lives in one part
							if o, ok := owner[p.Rows[k].Queue]; ok && o != pi {
								t.Fatalf("queue %s in parts %d and %d", p.Rows[k].Queue, o, pi)
							}
							owner[p.Rows[k].Queue] = pi
						} else if j != p.Jobs[0]+k {
							t.Fatalf("part %d is not contiguous: %v", pi, p.Jobs)
						}
					}
					all = append(all, p.Jobs...)
				}
				slices.Sort(all)
				if len(all) != len(jobs) || all[0] != 0 || all[len(all)-1] != len(jobs)-1 {
					t.Fatalf("parts cover %d positions", len(all))
				}
				if n := parallelCount(t, pool, "order"); n != len(jobs) {
					t.Fatalf("%d rows stored", n)
				}
			})

			t.Run("duplicate", func(t *testing.T) {
				jobs := parallelBatch("dup", 400)
				jobs[5].Unique = &awaenqueue.UniqueOpts{ByArgs: true}
				if _, err := b.Enqueue(ctx, pool, jobs[5]); err != nil {
					t.Fatal(err)
				}
				res, err := b.EnqueueManyParallel(ctx, pool, jobs, 4)
				if err == nil || res == nil || !awaenqueue.IsUniqueConflict(err) {
					t.Fatalf("want a part's duplicate, got %v", err)
				}
				var failed []awaenqueue.PartResult
				for _, p := range res.Parts {
					if p.Err != nil {
						failed = append(failed, p)
					}
				}
				if len(failed) != 1 || !slices.Contains(failed[0].Jobs, 5) || failed[0].Rows != nil ||
					!awaenqueue.IsUniqueConflict(failed[0].Err) || len(res.Parts) < 2 {
					t.Fatalf("failed parts: %+v", failed)
				}
				stored := 0
				for i, r := range res.Rows {
					switch {
					case slices.Contains(failed[0].Jobs, i):
						if r != nil {
							t.Fatalf("row %d of the failed part", i)
						}
					case r == nil || argIndex(t, r) != i:
						t.Fatalf("row %d: %+v", i, r)
					default:
						stored++
					}
				}
				if stored != len(jobs)-len(failed[0].Jobs) {
					t.Fatalf("%d stored", stored)
				}
				if n := parallelCount(t, pool, "dup"); n != stored+1 {
					t.Fatalf("%d rows in the database, want %d", n, stored+1)
				}
			})

			t.Run("invalid", func(t *testing.T) {
				jobs := parallelBatch("bad", 50)
				bad := int64(99)
				jobs[37].Priority = &bad
				res, err := b.EnqueueManyParallel(ctx, pool, jobs, 3)
				var e *awaenqueue.Error
				if !errors.As(err, &e) || e.Field != "jobs[37].Priority" || res != nil {
					t.Fatalf("got %v, %v", res, err)
				}
				jobs[37].Priority = nil
				jobs[37].Kind = "\xff"
				if _, err := b.EnqueueManyParallel(ctx, pool, jobs, 3); !errors.As(err, &e) || e.Code != awaenqueue.CodeInvalidArgument || e.Field != "jobs[37].Kind" {
					t.Fatalf("got %v", err)
				}
				for _, n := range []int{0, -1} {
					if _, err := b.EnqueueManyParallel(ctx, pool, parallelBatch("bad", 3), n); !errors.As(err, &e) || e.Code != "invalid_parts" {
						t.Fatalf("n=%d: %v", n, err)
					}
				}
				if n := parallelCount(t, pool, "bad"); n != 0 {
					t.Fatalf("%d rows stored", n)
				}
			})

			t.Run("20000", func(t *testing.T) {
				jobs := parallelBatch("big", 20000)
				res, err := b.EnqueueManyParallel(ctx, pool, jobs, 4)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Parts) != 4 {
					t.Fatalf("%d parts", len(res.Parts))
				}
				for i, r := range res.Rows {
					if r == nil || argIndex(t, r) != i {
						t.Fatalf("row %d: %s", i, fmt.Sprint(r))
					}
				}
				if n := parallelCount(t, pool, "big"); n != 20000 {
					t.Fatalf("%d rows stored", n)
				}
			})
		})
	}
}
