package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheckTimeout bounds one probe: above the engine's own 2 s store ping
// of /health/ready, below the 5 s timeout deploy/Dockerfile gives the check.
const healthcheckTimeout = 3 * time.Second

// healthcheck is `gatehouse healthcheck [-url URL] [-timeout D]`: it asks the
// engine's readiness endpoint whether this instance can serve and returns the
// process exit code, 0 for HTTP 200 and 1 for anything else. It exists
// because the container image is distroless — no shell, no curl — so
// Docker's HEALTHCHECK has to run the engine's own binary. Usage errors are 1
// as well: Docker reserves exit code 2.
//
// By default it probes the port GATEHOUSE_ADDR names, on the loopback address
// when the engine listens on every interface, so a container that moves the
// listen address needs no second setting.
func healthcheck(args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gatehouse healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := getenv("GATEHOUSE_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	url := fs.String("url", readyURL(addr), "URL that must answer 200")
	timeout := fs.Duration("timeout", healthcheckTimeout, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := probe(ctx, *url); err != nil {
		fmt.Fprintln(stderr, "gatehouse healthcheck:", err)
		return 1
	}
	return 0
}

// readyURL is the readiness endpoint of an engine listening on addr, as seen
// from inside its own container or pod.
func readyURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// Not host:port; let the probe fail with the URL it tried.
		return "http://" + addr + "/health/ready"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/health/ready"
}

// probe GETs url and wants a 200. It never uses a proxy from the environment
// and never follows redirects: the answer must come from the engine itself.
func probe(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("probe %s: %w", url, err)
	}
	client := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true}, // no proxy from the environment
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probe %s: %w: %s", url, errNotReady, resp.Status)
	}
	return nil
}

// errNotReady is an answer other than 200 from the probed endpoint.
var errNotReady = errors.New("not ready")
