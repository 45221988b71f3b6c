package conformance

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
)

var testdata = filepath.Join("..", "..", "..", "testdata")

func readLines(t *testing.T, name string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			out = append(out, bytes.Clone(sc.Bytes()))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func newBuilder(t testing.TB, opts ...awaenqueue.Option) *awaenqueue.Builder {
	t.Helper()
	ctx := context.Background()
	b, err := awaenqueue.New(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(ctx) })
	return b
}

func TestRunnerSurvivesGarbage(t *testing.T) {
	b := newBuilder(t)
	in := "nope\n[1]\n{\"id\":7,\"op\":\"ordering\",\"key_hex\":\"zz\",\"shards\":1}\n" +
		"{\"id\":8,\"op\":\"canonical_json\",\"json\":\"\\udc00\"}\n{\"id\":9,\"op\":\"kind_from_type_name\",\"name\":\"IOError\"}\n"
	var out bytes.Buffer
	if err := (&Runner{Builder: b}).Run(context.Background(), strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		`{"error":{"code":"invalid_case","field":"","message":"not JSON"},"id":null}`,
		`{"error":{"code":"invalid_case","field":"","message":"a case must be a JSON object"},"id":null}`,
		`{"error":{"code":"invalid_case","field":"key_hex","message":"key_hex must be hex"},"id":7}`,
		`{"error":{"code":"invalid_case","field":"","message":"not JSON"},"id":null}`,
		`{"id":9,"ok":{"kind":"io_error"}}`,
	}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("got\n%s", strings.Join(lines, "\n"))
	}
}

// TestConcurrentMatchesSequential: 48 goroutines share one Builder; every result line equals
// the sequential run.
func TestConcurrentMatchesSequential(t *testing.T) {
	b := newBuilder(t, awaenqueue.WithMaxInstances(8))
	ctx := context.Background()
	cases := append(readLines(t, "vectors.jsonl"), readLines(t, "bad-inputs.jsonl")...)
	if testing.Short() || raceEnabled {
		cases = cases[:min(len(cases), 600)]
	}
	r := &Runner{Builder: b}
	seq := make([][]byte, len(cases))
	for i, c := range cases {
		seq[i] = r.Line(ctx, c)
	}
	const workers = 48
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range cases {
				i := (k + w*37) % len(cases)
				if got := r.Line(ctx, cases[i]); !bytes.Equal(got, seq[i]) {
					errs <- fmt.Sprintf("worker %d case %d: %s != %s", w, i, got, seq[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestEnqueueMode: with a connection (--enqueue), prepare cases go through TryEnqueue, each in
// its own committed transaction; other ops are answered as usual.
func TestEnqueueMode(t *testing.T) {
	if os.Getenv("DATABASE_URL") == "" {
		t.Skip("DATABASE_URL is not set (run through scripts/with-db.sh)")
	}
	out, err := exec.Command(filepath.Join("..", "..", "..", "scripts", "new-awa-db.sh"), "go_conformance_enqueue", "queue_storage").Output()
	if err != nil {
		t.Fatalf("new-awa-db.sh: %v", err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	r := &Runner{Builder: newBuilder(t), Conn: conn}
	in := `{"id":1,"op":"prepare","job":{"kind":"k","args_json":"{\"a\":1}","unique":{}}}
{"id":2,"op":"prepare","job":{"kind":"k","args_json":" { \"a\" : 1 } ","unique":{"states":["scheduled","available"]}}}
{"id":3,"op":"prepare","job":{"kind":"k","priority":9}}
{"id":4,"op":"prepare","job":{"kind":"k","priority":"9"}}
{"id":5,"op":"prepare","job":{"kind":"k"}}
{"id":6,"op":"kind_from_type_name","name":"IOError"}
{"id":7,"op":"prepare_many","jobs":[{"kind":"b1"},{"kind":"b2"}]}
{"id":8,"op":"prepare_many","jobs":[{"kind":"b3"},{"kind":"k","args_json":"{\"a\":1}","unique":{}}]}
`
	var res bytes.Buffer
	if err := r.Run(ctx, strings.NewReader(in), &res); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := conn.QueryRow(ctx, "SELECT array_agg(id ORDER BY id) FROM awa.jobs").Scan(&ids); err != nil || len(ids) != 4 {
		t.Fatalf("stored %v %v", ids, err)
	}
	want := []string{
		fmt.Sprintf(`{"id":1,"ok":{"job_id":"%d"}}`, ids[0]),
		fmt.Sprintf(`{"duplicate":true,"existing_job_id":"%d","id":2}`, ids[0]),
		`{"error":{"code":"priority_out_of_range","field":"priority","message":"priority must be between 1 and 4, got 9"},"id":3}`,
		`{"error":{"code":"invalid_case","field":"priority","message":"priority must be an integer in range"},"id":4}`,
		fmt.Sprintf(`{"id":5,"ok":{"job_id":"%d"}}`, ids[1]),
		`{"id":6,"ok":{"kind":"io_error"}}`,
		fmt.Sprintf(`{"id":7,"ok":{"job_ids":["%d","%d"]}}`, ids[2], ids[3]),
	}
	got := strings.Split(strings.TrimSpace(res.String()), "\n")
	// a batch holding a duplicate is atomic: nothing stored, db_error 23505
	if n := len(got); n != len(want)+1 || !strings.HasPrefix(got[n-1], `{"error":{"code":"db_error","field":"","message":`) ||
		!strings.HasSuffix(got[n-1], `"sqlstate":"23505"},"id":8}`) {
		t.Fatalf("got\n%s", strings.Join(got, "\n"))
	}
	if got = got[:len(want)]; !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s", strings.Join(got, "\n"))
	}
}
