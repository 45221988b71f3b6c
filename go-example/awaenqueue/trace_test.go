package awaenqueue

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// spanContext starts a span of a real OpenTelemetry SDK tracer; it returns its context and the
// W3C traceparent that span has.
func spanContext(t *testing.T) (context.Context, string) {
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("awaenqueue-test").Start(context.Background(), "enqueue")
	t.Cleanup(func() { span.End() })
	sc := span.SpanContext()
	return ctx, fmt.Sprintf("00-%s-%s-%s", sc.TraceID(), sc.SpanID(), sc.TraceFlags())
}

func metadataOf(t *testing.T, b *Builder, ctx context.Context, job Job) map[string]any {
	t.Helper()
	p, err := b.Prepare(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(p.MetadataJSON), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTraceContextIsOptIn(t *testing.T) {
	ctx, traceparent := spanContext(t)
	off := newTestBuilder(t)
	if m := metadataOf(t, off, ctx, Job{Kind: "k"}); len(m) != 0 {
		t.Fatalf("off by default, got %v", m)
	}
	on := newTestBuilder(t, WithTraceContext())
	if m := metadataOf(t, on, ctx, Job{Kind: "k", Metadata: map[string]any{"a": 1}}); m["awa:traceparent"] != traceparent || m["a"] != 1.0 {
		t.Fatalf("want the span's %s, got %v", traceparent, m)
	}
	if m := metadataOf(t, on, context.Background(), Job{Kind: "k"}); len(m) != 0 {
		t.Fatalf("no span, no traceparent; got %v", m)
	}
	own := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	if m := metadataOf(t, on, ctx, Job{Kind: "k", Traceparent: own}); m["awa:traceparent"] != own {
		t.Fatalf("the job's own traceparent wins, got %v", m)
	}
	if m := metadataOf(t, on, ctx, Job{Kind: "k", Metadata: map[string]any{"awa:traceparent": "mine"}}); m["awa:traceparent"] != "mine" {
		t.Fatalf("metadata's own key wins, got %v", m)
	}
	_, err := on.Prepare(ctx, Job{Kind: "k", Traceparent: "00-xyz"})
	if e, ok := err.(*Error); !ok || e.Code != "invalid_traceparent" || e.Field != "Traceparent" {
		t.Fatalf("want invalid_traceparent on Traceparent, got %#v", err)
	}
	ps, err := on.PrepareMany(ctx, []Job{{Kind: "a"}, {Kind: "b"}})
	if err != nil || len(ps) != 2 {
		t.Fatal(err)
	}
	for _, p := range ps {
		var m map[string]any
		if json.Unmarshal([]byte(p.MetadataJSON), &m); m["awa:traceparent"] != traceparent {
			t.Fatalf("batch job without the span: %s", p.MetadataJSON)
		}
	}
}
