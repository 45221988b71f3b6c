package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
)

var testdata = filepath.Join("..", "..", "testdata")

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

func instant(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// diff applies the shared comparison rules: ok fields exactly (run_at as an instant),
// errors by code and field.
func diff(expected, actual []byte) string {
	var e, a map[string]any
	if err := json.Unmarshal(expected, &e); err != nil {
		return "bad expected line: " + err.Error()
	}
	if err := json.Unmarshal(actual, &a); err != nil {
		return "bad actual line: " + err.Error()
	}
	if !reflect.DeepEqual(e["id"], a["id"]) {
		return fmt.Sprintf("id %v where %v was expected", a["id"], e["id"])
	}
	if ee, ok := e["error"].(map[string]any); ok {
		ae, ok := a["error"].(map[string]any)
		if !ok {
			return fmt.Sprintf("expected error %v, got %s", ee, actual)
		}
		if ee["code"] != ae["code"] || ee["field"] != ae["field"] {
			return fmt.Sprintf("expected error %v/%v, got %v/%v: %v", ee["code"], ee["field"], ae["code"], ae["field"], ae["message"])
		}
		return ""
	}
	eo, _ := e["ok"].(map[string]any)
	ao, ok := a["ok"].(map[string]any)
	if !ok {
		return fmt.Sprintf("expected ok %v, got %s", eo, actual)
	}
	if len(eo) != len(ao) {
		return fmt.Sprintf("fields differ: expected %v, got %v", eo, ao)
	}
	for k, ev := range eo {
		av, present := ao[k]
		same := present && reflect.DeepEqual(ev, av)
		if k == "run_at" && ev != nil {
			et, eok := instant(ev)
			at, aok := instant(av)
			same = eok && aok && et.Equal(at)
		}
		if !same {
			return fmt.Sprintf("%s: expected %v, got %v", k, ev, av)
		}
	}
	return ""
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

func checkFile(t *testing.T, cases, expected string) {
	b := newBuilder(t)
	in, want := readLines(t, cases), readLines(t, expected)
	if len(in) != len(want) {
		t.Fatalf("%s has %d lines, %s %d", cases, len(in), expected, len(want))
	}
	var out bytes.Buffer
	if err := Run(context.Background(), b, bytes.NewReader(bytes.Join(in, []byte("\n"))), &out); err != nil {
		t.Fatal(err)
	}
	got := bytes.Split(bytes.TrimRight(out.Bytes(), "\n"), []byte("\n"))
	if len(got) != len(want) {
		t.Fatalf("runner wrote %d lines for %d cases", len(got), len(want))
	}
	bad := 0
	for i := range want {
		if d := diff(want[i], got[i]); d != "" {
			bad++
			if bad <= 20 {
				t.Errorf("%s line %d: %s", cases, i+1, d)
			}
		}
	}
	t.Logf("%s: %d cases, %d mismatches", cases, len(want), bad)
}

func TestGoldenVectors(t *testing.T) { checkFile(t, "vectors.jsonl", "expected.jsonl") }

func TestBadInputs(t *testing.T) { checkFile(t, "bad-inputs.jsonl", "bad-inputs.expected.jsonl") }

func TestRunnerSurvivesGarbage(t *testing.T) {
	b := newBuilder(t)
	in := "nope\n[1]\n{\"id\":7,\"op\":\"ordering\",\"key_hex\":\"zz\",\"shards\":1}\n" +
		"{\"id\":8,\"op\":\"canonical_json\",\"json\":\"\\udc00\"}\n{\"id\":9,\"op\":\"kind_from_type_name\",\"name\":\"IOError\"}\n"
	var out bytes.Buffer
	if err := Run(context.Background(), b, strings.NewReader(in), &out); err != nil {
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
	seq := make([][]byte, len(cases))
	for i, c := range cases {
		seq[i] = RunLine(ctx, b, c)
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
				if got := RunLine(ctx, b, cases[i]); !bytes.Equal(got, seq[i]) {
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
