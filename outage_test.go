package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestOutage stops the database under a running engine and starts it again
// (issue 8, point 4; DESIGN §7, STYLE "a store outage is never a 4xx").
// While requests flow without pause:
//
//   - FerretDB stops. Every call that starts after it has exited and ends
//     before it is back is answered, with 503 or a runtime
//     INTERNAL_SERVER_ERROR: never a 4xx (which would tell a client its
//     token or credentials are bad), never another OAuth answer, never a
//     dropped connection; /health/ready turns 503 while /health/live stays
//     200, and the process lives on.
//   - FerretDB starts again, same port, same data. Without a restart the
//     engine serves again and is ready within a bound, and every token it
//     issued before or during the load still introspects as active: nothing
//     committed was lost.
//
// FerretDB is stopped as an orchestrator stops it (SIGTERM), and killed
// (SIGKILL) as a crash would. Each case owns its FerretDB (the shared one
// of with-ferretdb.sh serves other tests), on a fixed free port so that
// the restarted server has the URI the engine was given.
//
// Observed on FerretDB 1.24 (2 CPUs, -race, five runs, one of them within
// `make test`): on SIGTERM FerretDB takes 3.0–3.1 s to exit and serves most
// calls meanwhile; on SIGKILL it is gone at once. /health/ready is 503
// within 0–2.2 s of the exit (its ping is bounded by 2 s). Every call made
// while FerretDB is down is a 503 after 10.0–10.2 s, the engine's deadline
// on a call: the driver, given a client-side timeout, retries server
// selection until the deadline rather than failing fast, so at 15 calls/s
// about 150 calls wait inside the engine at once. No call got a 4xx, an
// INTERNAL_SERVER_ERROR action or no answer. Calls in flight when FerretDB
// comes back mostly succeed, the engine is ready and serving 0.3–1.5 s after
// FerretDB listens, and no token was lost, after SIGKILL either. Each case
// takes 16–28 s, the outage about 12 s of it.
func TestOutage(t *testing.T) {
	t.Parallel()
	ferretDB := ferretDBBinary(t)
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
	}{{"SIGTERM", syscall.SIGTERM}, {"SIGKILL", syscall.SIGKILL}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testOutage(t, ferretDB, tc.name, tc.sig)
		})
	}
}

// testOutage is one case of TestOutage: FerretDB stopped with sig, named
// signame.
func testOutage(t *testing.T, ferretDB, signame string, sig syscall.Signal) {
	dir, addr := t.TempDir(), freeAddr(t)
	db, uri := startFerretDB(t, ferretDB, addr, dir)
	d := newDeployment(t, uri, "gatehouse")
	engine, op := d.start(t, "E")
	waitReady(t, engine, op)

	svc := op.createService(t, map[string]any{"serviceName": "Outage", "issuer": "https://login.outage.example"})
	client := svc.createClient(t, map[string]any{"clientName": "Backend", "clientType": "CONFIDENTIAL", "grantTypes": []string{"CLIENT_CREDENTIALS"}})
	committed := svc.token(t, client, "grant_type=client_credentials")
	svc.runtime(t, "/api/auth/introspection", map[string]any{"token": committed.AccessToken}, "OK")

	l := startLoad(svc, []loadCall{
		{name: "introspection", path: "/api/auth/introspection", body: map[string]any{"token": committed.AccessToken}, action: "OK"},
		{name: "token", path: "/api/auth/token", body: map[string]any{"parameters": "grant_type=client_credentials", "clientId": client.id, "clientSecret": client.secret}, action: "OK"},
		// A list, not a get: the configuration cache could answer a get.
		{name: "client list", method: http.MethodGet, path: "/api/client/get/list"},
	})
	defer l.finish() // on a failure; a no-op once the test has finished it
	l.waitEach(t, time.Time{}, "succeeded before the outage", outcome.success)

	// The outage.
	stopping := time.Now()
	if db.signal(sig) {
		t.Logf("FerretDB ignored %s for %v and was killed", signame, stopGrace)
	}
	down := time.Now()
	waitFor(t, 10*time.Second, "/health/ready turns 503 in the outage", func() (bool, string) {
		status, body := op.probe("/health/ready")
		return status == http.StatusServiceUnavailable, fmt.Sprintf("HTTP %d %s", status, body)
	})
	notReady := time.Now()
	l.waitEach(t, down, "answered in the outage", func(outcome) bool { return true })
	if status, body := op.probe("/health/live"); status != http.StatusOK || engine.exited() {
		t.Fatalf("in the outage: /health/live HTTP %d %s, process exited: %v (%v)", status, body, engine.exited(), engine.err)
	}
	if status, body := op.probe("/health/ready"); status != http.StatusServiceUnavailable {
		t.Errorf("late in the outage: /health/ready HTTP %d %s, want 503", status, body)
	}

	// The recovery.
	up := time.Now()
	if _, again := startFerretDB(t, ferretDB, addr, dir); again != uri {
		t.Fatalf("FerretDB restarted at %s, want %s", again, uri)
	}
	listening := time.Now()
	waitFor(t, 30*time.Second, "the engine ready again", func() (bool, string) {
		status, body := op.probe("/health/ready")
		return status == http.StatusOK, fmt.Sprintf("HTTP %d %s", status, body)
	})
	l.waitEach(t, listening, "succeeded after the outage", outcome.success)
	recovered := time.Now()
	outcomes := l.finish()

	t.Logf("FerretDB exited %v after %v and was down %v; /health/ready 503 %v after the exit; engine serving %v after FerretDB listened again",
		down.Sub(stopping).Round(time.Millisecond), signame, up.Sub(down).Round(time.Millisecond),
		notReady.Sub(down).Round(time.Millisecond), recovered.Sub(listening).Round(time.Millisecond))
	judgeOutage(t, outcomes, stopping, down, up)

	// Nothing committed was lost, and the engine issues again.
	svc.runtime(t, "/api/auth/introspection", map[string]any{"token": committed.AccessToken}, "OK")
	issued := 0
	for _, o := range outcomes {
		if o.accessToken != "" {
			issued++
			svc.runtime(t, "/api/auth/introspection", map[string]any{"token": o.accessToken}, "OK")
		}
	}
	after := svc.token(t, client, "grant_type=client_credentials")
	svc.runtime(t, "/api/auth/introspection", map[string]any{"token": after.AccessToken}, "OK")
	t.Logf("%d tokens issued under the load, all active after the outage", issued)

	// No crash: the engine still shuts down cleanly.
	if engine.stop() || engine.err != nil {
		t.Errorf("engine after the outage: SIGTERM ended it with %v, want a clean exit", engine.err)
	}
}

// judgeOutage checks every answer of the load: each is the call's success
// or an outage answer, and every call made while FerretDB was down
// (started after down, answered before up) got an outage answer. It logs
// what the calls got in each phase of the outage.
func judgeOutage(t *testing.T, outcomes []outcome, stopping, down, up time.Time) {
	t.Helper()
	type seen struct {
		took    []time.Duration
		answers map[string]int // "HTTP 503", "HTTP 200 OK", ...
	}
	phases := map[string]map[string]*seen{} // phase → call → what it saw
	for _, o := range outcomes {
		since := o.start.Sub(down).Round(time.Millisecond)
		phase := ""
		switch {
		case o.err != nil:
			t.Errorf("%s started %v after FerretDB exited: no answer after %v: %v", o.call, since, o.took().Round(time.Millisecond), o.err)
		case !o.success() && !o.unavailable():
			t.Errorf("%s started %v after FerretDB exited: HTTP %d %s; want 200 %s, or 503 or INTERNAL_SERVER_ERROR", o.call, since, o.status, o.body, o.want)
		case o.start.After(down) && o.end.Before(up):
			phase = "down"
			if !o.unavailable() {
				t.Errorf("%s started %v after FerretDB exited: HTTP %d %s while it was down; want 503 or INTERNAL_SERVER_ERROR", o.call, since, o.status, o.body)
			}
		case o.start.After(stopping) && o.start.Before(down):
			phase = "stopping"
		case o.start.After(down) && o.start.Before(up):
			phase = "across the restart"
		}
		if phase == "" {
			continue
		}
		if phases[phase] == nil {
			phases[phase] = map[string]*seen{}
		}
		s := phases[phase][o.call]
		if s == nil {
			s = &seen{answers: map[string]int{}}
			phases[phase][o.call] = s
		}
		s.took = append(s.took, o.took())
		s.answers[strings.TrimSpace(fmt.Sprintf("HTTP %d %s", o.status, o.action))]++
	}
	for _, phase := range []string{"stopping", "down", "across the restart"} {
		for call, s := range phases[phase] {
			t.Logf("%s, %s: %v in %v to %v", phase, call, s.answers, slices.Min(s.took).Round(time.Millisecond), slices.Max(s.took).Round(time.Millisecond))
		}
	}
}

// loadCall is one call the load makes over and over: method (POST if
// empty) of path with body, whose success is HTTP 200 with action (a
// runtime call) or just HTTP 200 (action empty: a management call).
type loadCall struct {
	name         string
	method, path string
	body         any
	action       string
}

// outcome is what one call of the load got.
type outcome struct {
	call, want  string
	start, end  time.Time
	status      int
	action      string
	body        string
	accessToken string // of a successful token call
	err         error  // no answer
}

func (o outcome) took() time.Duration { return o.end.Sub(o.start) }

func (o outcome) success() bool {
	return o.err == nil && o.status == http.StatusOK && o.action == o.want
}

// unavailable tells an outage answer: 503, or a runtime call processed as
// INTERNAL_SERVER_ERROR.
func (o outcome) unavailable() bool {
	return o.err == nil && (o.status == http.StatusServiceUnavailable || o.status == http.StatusOK && o.action == "INTERNAL_SERVER_ERROR")
}

// loadInterval is how often the load starts each of its calls.
const loadInterval = 200 * time.Millisecond

// load starts each of its calls every loadInterval until finish, whether
// or not the previous one has been answered, as independent clients do,
// and records every outcome. So the calls in the outage start at every
// moment of it, and none waits for a slow one before it.
type load struct {
	calls    []string
	stop     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	outcomes []outcome
	once     sync.Once
}

func startLoad(at engineAPI, calls []loadCall) *load {
	l := &load{stop: make(chan struct{})}
	for _, c := range calls {
		l.calls = append(l.calls, c.name)
		l.wg.Go(func() {
			tick := time.NewTicker(loadInterval)
			defer tick.Stop()
			for {
				l.wg.Go(func() {
					o := makeCall(at, c)
					l.mu.Lock()
					l.outcomes = append(l.outcomes, o)
					l.mu.Unlock()
				})
				select {
				case <-l.stop:
					return
				case <-tick.C:
				}
			}
		})
	}
	return l
}

// makeCall makes c once. It is not cancelled by finish: a call in flight is
// let finish and judged like the others (callTimeout bounds it).
func makeCall(at engineAPI, c loadCall) outcome {
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	o := outcome{call: c.name, want: c.action, start: time.Now()}
	status, body, err := at.send(context.Background(), method, c.path, c.body)
	o.end, o.status, o.body, o.err = time.Now(), status, string(body), err
	var ans runtimeAnswer
	if json.Unmarshal(body, &ans) == nil {
		o.action = ans.Action
		var tok tokenResponse
		if c.path == "/api/auth/token" && o.success() && json.Unmarshal([]byte(ans.ResponseContent), &tok) == nil {
			o.accessToken = tok.AccessToken
		}
	}
	return o
}

// waitEach waits until every call of the load has an outcome that started
// after since and satisfies cond.
func (l *load) waitEach(t *testing.T, since time.Time, what string, cond func(outcome) bool) {
	t.Helper()
	waitFor(t, 30*time.Second, "every call "+what, func() (bool, string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		seen, last := map[string]bool{}, map[string]outcome{}
		for _, o := range l.outcomes {
			last[o.call] = o
			if o.start.After(since) && cond(o) {
				seen[o.call] = true
			}
		}
		for _, call := range l.calls {
			if !seen[call] {
				o, ok := last[call]
				if !ok {
					return false, call + ": no answer yet"
				}
				return false, fmt.Sprintf("%s: last HTTP %d %s %v", call, o.status, o.body, o.err)
			}
		}
		return true, ""
	})
}

// finish stops the load, waits for the calls in flight, and returns every
// outcome.
func (l *load) finish() []outcome {
	l.once.Do(func() { close(l.stop) })
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.outcomes)
}
