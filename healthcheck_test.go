package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// readyServer answers /health/ready with status and 404s every other path, so
// a probe of the wrong path cannot pass.
func readyServer(t *testing.T, status int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health/ready" {
			http.NotFound(w, r)
			return
		}
		if status == http.StatusFound {
			http.Redirect(w, r, "/health/live", status)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func noEnv(string) string { return "" }

func TestHealthcheckExitCodes(t *testing.T) {
	closed := readyServer(t, http.StatusOK)
	closed.Close()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"ready", []string{"-url", readyServer(t, http.StatusOK).URL + "/health/ready"}, 0},
		{"store unavailable", []string{"-url", readyServer(t, http.StatusServiceUnavailable).URL + "/health/ready"}, 1},
		{"redirect is not followed", []string{"-url", readyServer(t, http.StatusFound).URL + "/health/ready"}, 1},
		{"wrong path", []string{"-url", readyServer(t, http.StatusOK).URL + "/nope"}, 1},
		{"nothing listening", []string{"-url", closed.URL + "/health/ready"}, 1},
		// Docker reserves exit code 2, so even a usage error is 1.
		{"bad flag", []string{"-no-such-flag"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			if got := healthcheck(tt.args, noEnv, &stderr); got != tt.want {
				t.Errorf("exit code = %d, want %d (stderr: %s)", got, tt.want, stderr.String())
			}
			if tt.want != 0 && stderr.Len() == 0 {
				t.Error("a failed check must say why on stderr")
			}
		})
	}
}

func TestHealthcheckTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	var stderr strings.Builder
	if got := healthcheck([]string{"-url", srv.URL + "/health/ready", "-timeout", "100ms"}, noEnv, &stderr); got != 1 {
		t.Fatalf("a hanging engine: exit code = %d, want 1", got)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the check took %v despite a 100ms timeout", d)
	}
}

func TestHealthcheckProbeError(t *testing.T) {
	err := probe(context.Background(), readyServer(t, http.StatusServiceUnavailable).URL+"/health/ready")
	if !errors.Is(err, errNotReady) || !strings.Contains(err.Error(), "503") {
		t.Errorf("probe of a 503 = %v, want errNotReady naming the status", err)
	}
}

// The default URL follows GATEHOUSE_ADDR, the one setting the engine and its
// health check share.
func TestHealthcheckDefaultURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/health/ready",
		"0.0.0.0:9090":   "http://127.0.0.1:9090/health/ready",
		"[::]:8080":      "http://127.0.0.1:8080/health/ready",
		"10.1.2.3:8080":  "http://10.1.2.3:8080/health/ready",
		"[::1]:8080":     "http://[::1]:8080/health/ready",
		"localhost:8081": "http://localhost:8081/health/ready",
	} {
		if got := readyURL(addr); got != want {
			t.Errorf("readyURL(%q) = %q, want %q", addr, got, want)
		}
	}

	srv := readyServer(t, http.StatusOK)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "GATEHOUSE_ADDR" {
			return ":" + port
		}
		return ""
	}
	var stderr strings.Builder
	if got := healthcheck(nil, env, &stderr); got != 0 {
		t.Errorf("no flags, GATEHOUSE_ADDR=:%s: exit code = %d, want 0 (stderr: %s)", port, got, stderr.String())
	}
}

// helperURLEnv makes the test binary act as `gatehouse healthcheck -url URL`
// (see TestHealthcheckCommand).
const helperURLEnv = "GATEHOUSE_TEST_HEALTHCHECK_URL"

// TestHealthcheckCommand runs main() the way the Docker HEALTHCHECK does, in
// a child process, to prove that the healthcheck mode is wired in front of
// the engine's configuration: an invalid GATEHOUSE_LOG_LEVEL would make the
// engine exit 2, which no healthcheck answer is.
func TestHealthcheckCommand(t *testing.T) {
	if url := os.Getenv(helperURLEnv); url != "" {
		os.Args = []string{"gatehouse", "healthcheck", "-url", url}
		main()
		t.Fatal("main returned instead of exiting")
	}
	for _, tt := range []struct {
		status int
		want   int
	}{{http.StatusOK, 0}, {http.StatusServiceUnavailable, 1}} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHealthcheckCommand$")
		cmd.Env = append(os.Environ(),
			helperURLEnv+"="+readyServer(t, tt.status).URL+"/health/ready",
			"GATEHOUSE_LOG_LEVEL=not-a-level")
		out, err := cmd.CombinedOutput()
		cancel()
		got := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			got = exit.ExitCode()
		} else if err != nil {
			t.Fatalf("run helper: %v", err)
		}
		if got != tt.want {
			t.Errorf("engine answering %d: `gatehouse healthcheck` exit code = %d, want %d\n%s", tt.status, got, tt.want, out)
		}
	}
}
