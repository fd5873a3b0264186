package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// metricValue is the value of the sample whose line starts with series in a
// Prometheus text exposition, 0 when there is none.
func metricValue(t *testing.T, base, series string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%s: %v", sc.Text(), err)
			}
			return v
		}
	}
	return 0
}

// demoCall sends a runtime or management call as the demo service.
func demoCall(t *testing.T, base, path, contentType, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(fmt.Sprint(demoAPIKey), demoAPISecret)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestMetricsMoveDuringAFlow: /metrics counts requests by route and action
// and tokens by grant type, and shows no tenant data.
func TestMetricsMoveDuringAFlow(t *testing.T) {
	base, _ := startEngine(t, config{LogLevel: slog.LevelError})
	introspected := `gatehouse_http_requests_total{action="UNAUTHORIZED",method="POST",route="/api/auth/introspection",status="200"}`
	minted := `gatehouse_tokens_issued_total{grant_type="authorization_code"}`
	if v := metricValue(t, base, minted); v != 0 {
		t.Fatalf("%s = %v before any token", minted, v)
	}
	for range 3 {
		demoCall(t, base, "/api/auth/introspection", "application/json", `{"token":"nope"}`)
	}
	if v := metricValue(t, base, introspected); v != 3 {
		t.Errorf("%s = %v, want 3", introspected, v)
	}
	body := fmt.Sprintf(`{"grantType":"AUTHORIZATION_CODE","clientId":%d,"subject":"john"}`, demoWebClientID)
	if code := demoCall(t, base, "/api/auth/token/create", "application/json", body); code != http.StatusOK {
		t.Fatalf("token/create: %d", code)
	}
	if v := metricValue(t, base, minted); v != 1 {
		t.Errorf("%s = %v, want 1", minted, v)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	all, _ := io.ReadAll(resp.Body)
	for _, leak := range []string{fmt.Sprint(demoAPIKey), "john", fmt.Sprint(demoWebClientID)} {
		if strings.Contains(string(all), leak) {
			t.Errorf("/metrics shows %q", leak)
		}
	}
	if !strings.Contains(string(all), "gatehouse_http_request_duration_seconds_bucket") {
		t.Error("/metrics has no latency histogram")
	}
}

// TestShutdownLosesNoRequest is SIGTERM under load. The clients act as a
// load balancer would: they send until a probe sees /health/ready turn 503,
// then send no more. Every request sent must get its whole answer —
// including one still uploading its body when the listener closes.
func TestShutdownLosesNoRequest(t *testing.T) {
	e := launch(t, config{LogLevel: slog.LevelError, ShutdownDelay: 300 * time.Millisecond})
	client := &http.Client{Timeout: 10 * time.Second}
	introspect := func(body io.Reader) error {
		req, _ := http.NewRequest(http.MethodPost, e.base+"/api/auth/introspection", body)
		req.SetBasicAuth(fmt.Sprint(demoAPIKey), demoAPISecret)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}

	var routing atomic.Bool // the balancer still sends here
	routing.Store(true)
	var answered atomic.Int64
	errs := make(chan error, 1000)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for routing.Load() {
				if err := introspect(strings.NewReader("token=nope")); err != nil {
					errs <- err
					return
				}
				answered.Add(1)
			}
		})
	}
	// A slow upload: its body is still arriving when the listener closes.
	pr, pw := io.Pipe()
	wg.Go(func() {
		if err := introspect(pr); err != nil {
			errs <- fmt.Errorf("slow request: %w", err)
		}
	})
	_, _ = pw.Write([]byte("token="))
	time.Sleep(100 * time.Millisecond)

	done := make(chan error, 1)
	go func() { done <- e.stop() }()
	for routing.Load() {
		resp, err := http.Get(e.base + "/health/ready")
		if err != nil {
			t.Fatalf("readiness probe failed before the listener closed: %v", err)
		}
		resp.Body.Close()
		routing.Store(resp.StatusCode == http.StatusOK)
	}
	go func() {
		time.Sleep(500 * time.Millisecond) // past the drain delay: the listener is closed
		_, _ = pw.Write([]byte("nope"))
		_ = pw.Close()
	}()
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	close(errs)
	for err := range errs {
		t.Errorf("a request was lost in the shutdown: %v", err)
	}
	if answered.Load() == 0 {
		t.Error("no request was answered: the load never ran")
	}
	if _, err := http.Get(e.base + "/health/live"); err == nil {
		t.Error("the listener is still open after run returned")
	}
}
