package awaenqueue

import (
	"context"
	"testing"
)

func newTestBuilder(t testing.TB, opts ...Option) *Builder {
	t.Helper()
	ctx := context.Background()
	b, err := New(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(ctx) })
	return b
}
