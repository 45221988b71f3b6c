package awaenqueue_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The stored job carries the producer's span (queue storage).
func TestTraceContextStored(t *testing.T) {
	_, pool := awaDB(t, "go_trace", "queue_storage")
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("awaenqueue-test").Start(context.Background(), "enqueue")
	defer span.End()
	sc := span.SpanContext()
	traceparent := fmt.Sprintf("00-%s-%s-%s", sc.TraceID(), sc.SpanID(), sc.TraceFlags())
	ctx0 := context.Background()
	b, err := awaenqueue.New(ctx0, awaenqueue.WithTraceContext())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(ctx0) })
	row, err := b.Enqueue(ctx, pool, awaenqueue.Job{Kind: "traced", Args: map[string]any{"n": 1}})
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := pool.QueryRow(ctx, "SELECT metadata->>'awa:traceparent' FROM awa.jobs WHERE id = $1", row.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != traceparent {
		t.Fatalf("stored %q, want %q", stored, traceparent)
	}
}
