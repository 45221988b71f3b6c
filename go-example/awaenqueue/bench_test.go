package awaenqueue

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// benchJobs is the fixed job mix: plain, unique by args, scheduled with tags and metadata,
// unique by queue+period with an ordering key.
func benchJobs() []Job {
	q := "mailers"
	period := int64(493827)
	run := "2026-11-28T00:00:00Z"
	byQueueAndPeriod := &UniqueOpts{ByQueue: true, ByArgs: true, ByPeriod: &period}
	return []Job{
		{Kind: "send_email", Args: json.RawMessage(`{"to":"a@b.com","subject":"Hi"}`)},
		{Kind: "process_payment", Args: json.RawMessage(`{"order_id":12345,"amount_cents":9999,"currency":"NZD"}`), Unique: &UniqueOpts{ByArgs: true}},
		{Kind: "report", Queue: &q, Args: json.RawMessage(`{"z":{"b":[3,2,1],"a":{"y":1,"x":2}},"f":1.5e-7}`), RunAtText: &run,
			Tags: []string{"a", "b"}, Metadata: json.RawMessage(`{"trace":"x"}`)},
		{Kind: "sync_customer", Queue: &q, Args: json.RawMessage(`{"customer":42}`), OrderingKey: []byte("customer-42"),
			Unique: byQueueAndPeriod},
	}
}

// newBenchBuilder returns a Builder closed when the benchmark ends.
func newBenchBuilder(b *testing.B) (context.Context, *Builder) {
	ctx := context.Background()
	bl, err := New(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bl.Close(ctx) })
	return ctx, bl
}

func BenchmarkPrepare(b *testing.B) {
	ctx, bl := newBenchBuilder(b)
	jobs := benchJobs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := bl.Prepare(ctx, jobs[i%len(jobs)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

func BenchmarkPrepareParallel(b *testing.B) {
	ctx, bl := newBenchBuilder(b)
	jobs := benchJobs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if _, err := bl.Prepare(ctx, jobs[i%len(jobs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

func BenchmarkKindFromTypeName(b *testing.B) {
	ctx, bl := newBenchBuilder(b)
	for b.Loop() {
		if _, err := bl.KindFromTypeName(ctx, "HTMLToPDF"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkEnqueueMany inserts batches of 1,000 jobs through insert_job_compat
// (AWA_BENCH_DATABASE_URL: a database with the Awa schema; skipped when unset).
func BenchmarkEnqueueMany(b *testing.B) {
	url := os.Getenv("AWA_BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("AWA_BENCH_DATABASE_URL is not set")
	}
	ctx, bl := newBenchBuilder(b)
	db, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const batch = 1000
	jobs := make([]Job, batch)
	n := 0
	b.ResetTimer()
	for b.Loop() {
		for i := range jobs {
			n++
			jobs[i] = Job{Kind: "bench_job", Args: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}
		}
		if _, err := bl.EnqueueMany(ctx, db, jobs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "jobs/s")
}
