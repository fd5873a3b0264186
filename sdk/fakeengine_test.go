package gatehouse

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
)

// The service credentials the fake engine accepts.
const (
	testKey    = "1001"
	testSecret = "service-secret"
)

// recorded is one call the fake engine received, as the SDK sent it.
type recorded struct {
	Method, Path, RawQuery string
	EscapedPath            string
	Key, Secret            string
	ContentType            string
	Body                   string
}

// fakeEngine stands in for the engine: it checks the service credentials
// like the engine (401 G000203), records every call and answers from the
// routes a test registered. A call to any other route fails the test.
type fakeEngine struct {
	t      *testing.T
	mu     sync.Mutex
	routes map[string]func(recorded) (int, string)
	calls  []recorded
}

func newFakeEngine(t *testing.T) *fakeEngine {
	return &fakeEngine{t: t, routes: map[string]func(recorded) (int, string){}}
}

// on registers the answer of route ("POST /api/auth/token").
func (e *fakeEngine) on(route string, answer func(recorded) (int, string)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.routes[route] = answer
}

// reply registers a fixed answer.
func (e *fakeEngine) reply(route string, status int, body string) {
	e.on(route, func(recorded) (int, string) { return status, body })
}

func (e *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key, secret, _ := r.BasicAuth()
	rec := recorded{Method: r.Method, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Key: key, Secret: secret,
		ContentType: r.Header.Get("Content-Type"), Body: string(body)}
	e.mu.Lock()
	e.calls = append(e.calls, rec)
	answer, ok := e.routes[r.Method+" "+r.URL.Path]
	e.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Request-Id", "req-1")
	if key != testKey || secret != testSecret {
		w.Header().Set("WWW-Authenticate", `Basic realm="gatehouse", charset="UTF-8"`)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"resultCode":"G000203","resultMessage":"[G000203] missing or invalid API credentials"}`)
		return
	}
	if !ok {
		e.t.Errorf("unexpected engine call %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"resultCode":"G000205","resultMessage":"[G000205] no such API"}`)
		return
	}
	status, out := answer(rec)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}

// Calls returns the calls received so far.
func (e *fakeEngine) Calls() []recorded {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]recorded(nil), e.calls...)
}

// start serves the fake engine over HTTP and returns a client of it with
// fast retries.
func (e *fakeEngine) start() *Client {
	srv := httptest.NewServer(e)
	e.t.Cleanup(srv.Close)
	return &Client{BaseURL: srv.URL, Key: testKey, Secret: testSecret, RetryBackoff: 1}
}

// inProcess returns a client that reaches the fake engine without a
// network, for tests in a testing/synctest bubble.
func (e *fakeEngine) inProcess() *Client {
	return &Client{BaseURL: "http://engine.test", Key: testKey, Secret: testSecret,
		HTTPClient: &http.Client{Transport: handlerTransport{e}}}
}

// handlerTransport serves requests with a handler in process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil {
		r.Body = http.NoBody // a client request may have none; a server request always has one
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// one asserts that exactly one call was made and returns it.
func (e *fakeEngine) one(t *testing.T) recorded {
	t.Helper()
	calls := e.Calls()
	if len(calls) != 1 {
		t.Fatalf("engine calls = %d (%v), want 1", len(calls), calls)
	}
	return calls[0]
}

// assertCall checks a recorded call: method, path and a JSON body equal to
// want ("" for no body).
func assertCall(t *testing.T, got recorded, method, path, want string) {
	t.Helper()
	if got.Method != method || got.Path != path {
		t.Errorf("call = %s %s, want %s %s", got.Method, got.Path, method, path)
	}
	if got.Key != testKey || got.Secret != testSecret {
		t.Errorf("credentials = %q:%q, want the service's", got.Key, got.Secret)
	}
	if want == "" {
		if got.Body != "" {
			t.Errorf("%s %s body = %s, want none", method, path, got.Body)
		}
		return
	}
	if got.ContentType != "application/json" {
		t.Errorf("%s %s Content-Type = %q, want application/json", method, path, got.ContentType)
	}
	assertJSON(t, got.Body, want)
}

// assertJSON compares two JSON documents by value.
func assertJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("body %q is not JSON: %v", got, err)
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body = %s\nwant   %s", got, want)
	}
}
