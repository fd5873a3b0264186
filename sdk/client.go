package gatehouse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Client calls the API of a Gatehouse engine with one set of credentials:
// a service's API key and secret (runtime and client management), or the
// operator's admin key and secret (service management). A Client is safe for
// concurrent use; its zero value, given a BaseURL, is ready.
type Client struct {
	// BaseURL is the engine's root, e.g. "http://127.0.0.1:8080".
	BaseURL string
	// Key and Secret are sent as HTTP Basic credentials.
	Key, Secret string
	// HTTPClient sends the requests; nil means a client of its own, with no
	// overall timeout (Timeout and the context bound each call instead).
	HTTPClient *http.Client
	// Timeout bounds each attempt of a call: sending the request and reading
	// the whole answer. Default 10 s. The context bounds the call as a whole,
	// retries and backoff included.
	Timeout time.Duration
	// MaxAttempts is how often a call may be tried when retrying is safe (see
	// Do). Default 3; 1 turns retries off.
	MaxAttempts int
	// RetryBackoff is the wait before the first retry; it doubles for each
	// further one, with jitter. Default 100 ms.
	RetryBackoff time.Duration
}

const (
	defaultTimeout      = 10 * time.Second
	defaultMaxAttempts  = 3
	defaultRetryBackoff = 100 * time.Millisecond
	// maxRetryAfter caps how long a Retry-After of the engine is honoured:
	// a frontend answering a browser cannot wait for long.
	maxRetryAfter = 2 * time.Second
	// maxResponse bounds how much of an answer the client reads.
	maxResponse = 4 << 20
)

var defaultHTTPClient = &http.Client{
	// Redirects are not followed: the engine never redirects its API, so a
	// redirect comes from something in between and would carry the
	// credentials elsewhere.
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// dropLocation removes the Location header of every answer before
// net/http's Client sees it. The SDK never follows a redirect, and the
// Client parses Location before any CheckRedirect could decline it, so a
// malformed one would turn the engine's answer into an untyped error.
type dropLocation struct{ base http.RoundTripper }

func (d dropLocation) RoundTrip(r *http.Request) (*http.Response, error) {
	base := d.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if resp != nil {
		resp.Header.Del("Location")
	}
	return resp, err
}

// call is one API call, ready to be sent as often as retrying allows.
type call struct {
	method, path string
	body         []byte // nil: no body
	// idempotent calls may be retried after anything; the others only after
	// an error that proves the request never left (a dial error).
	idempotent bool
}

// Do calls path (e.g. "/api/client/get/list") with method. A non-nil in is
// sent as JSON; a 2xx JSON answer is decoded into a non-nil out (a
// *json.RawMessage keeps it as it is). Any other status is returned as an
// *Error carrying the engine's result.
//
// Retries follow what is safe: a GET (the engine's reads) is retried on a
// network error and on 502, 503 and 504, with a short backoff that honours
// ctx and the engine's Retry-After. Any other call — and GET
// /api/client/secret/refresh, which changes state — is retried only when
// the connection could not be made at all, since only then is it certain
// that the engine never saw it: a POST that may have reached the engine is
// never sent twice.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	cl := call{method: method, path: path, idempotent: safeToRepeat(method, path)}
	if in != nil {
		b, err := encodeJSON(in)
		if err != nil {
			return fmt.Errorf("gatehouse: encode request: %w", err)
		}
		cl.body = b
	}
	return c.do(ctx, cl, out)
}

// safeToRepeat reports whether sending a call twice does no harm.
func safeToRepeat(method, path string) bool {
	if method != http.MethodGet && method != http.MethodHead {
		return false
	}
	// Authlete's secret refresh is a GET that replaces the secret.
	return !strings.HasPrefix(path, "/api/client/secret/refresh/")
}

// encodeJSON marshals v without HTML escaping: the raw OAuth requests the
// SDK forwards are full of '&', which would otherwise grow sixfold.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// answer is what one attempt got back.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (c *Client) do(ctx context.Context, cl call, out any) error {
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = defaultMaxAttempts
	}
	for attempt := 1; ; attempt++ {
		a, sent, err := c.attempt(ctx, cl)
		var retryAfter time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			// The caller gave up; what the attempt saw is only a consequence.
			return fmt.Errorf("gatehouse: %s %s: %w", cl.method, cl.path, context.Cause(ctx))
		case err != nil:
			// A call that never left is as safe to repeat as a read.
			if retryable := cl.idempotent || !sent; !retryable || attempt >= attempts {
				return fmt.Errorf("gatehouse: %s %s: %w", cl.method, cl.path, err)
			}
		case cl.idempotent && retryableStatus(a.status) && attempt < attempts:
			retryAfter = parseRetryAfter(a.header)
		default:
			return decodeAnswer(cl, a, out)
		}
		if !c.backoff(ctx, attempt, retryAfter) {
			// No time left to wait for: report what the last attempt got.
			if err != nil {
				return fmt.Errorf("gatehouse: %s %s: %w", cl.method, cl.path, err)
			}
			return decodeAnswer(cl, a, out)
		}
	}
}

// retryableStatus is a status that says "try again": the engine's store is
// out (503) or something in front of it failed (502, 504).
func retryableStatus(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// backoff waits before retry number attempt and reports whether it did; it
// does not wait when ctx would expire first.
func (c *Client) backoff(ctx context.Context, attempt int, retryAfter time.Duration) bool {
	base := c.RetryBackoff
	if base <= 0 {
		base = defaultRetryBackoff
	}
	wait := base << (attempt - 1)
	wait = wait/2 + rand.N(wait/2+1) // jitter: a fleet of frontends does not retry in step
	if retryAfter > wait {
		wait = min(retryAfter, maxRetryAfter)
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return false
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// maxReportedRetryAfter caps the Retry-After an Error reports: a larger
// number of seconds would overflow a Duration, and no engine means it.
const maxReportedRetryAfter = 24 * time.Hour

func parseRetryAfter(h http.Header) time.Duration {
	secs, err := strconv.Atoi(h.Get("Retry-After"))
	switch {
	case err != nil || secs < 0:
		return 0
	case secs > int(maxReportedRetryAfter/time.Second):
		return maxReportedRetryAfter
	}
	return time.Duration(secs) * time.Second
}

// attempt sends the call once and reads the answer. sent reports whether
// the request may have reached the engine: false only for a dial error
// before any connection was had.
func (c *Client) attempt(ctx context.Context, cl call) (answer, bool, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var gotConn atomic.Bool // set by the transport, maybe on a goroutine of its own
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) }})
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, strings.TrimSuffix(c.BaseURL, "/")+cl.path, body)
	if err != nil {
		return answer{}, false, err
	}
	if c.Key != "" || c.Secret != "" {
		req.SetBasicAuth(c.Key, c.Secret)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "gatehouse-go-sdk")
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := *defaultHTTPClient
	if c.HTTPClient != nil {
		hc = *c.HTTPClient
	}
	hc.Transport = dropLocation{hc.Transport}
	resp, err := hc.Do(req)
	if err != nil {
		return answer{}, gotConn.Load() || !isDialError(err), err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return answer{}, true, fmt.Errorf("read answer: %w", err)
	}
	if len(data) > maxResponse {
		return answer{}, true, fmt.Errorf("answer larger than %d bytes", maxResponse)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: data}, true, nil
}

// isDialError reports whether err happened while connecting: the request
// cannot have been sent.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// decodeAnswer turns an answer into out or an *Error.
func decodeAnswer(cl call, a answer, out any) error {
	if a.status < 200 || a.status > 299 {
		e := &Error{StatusCode: a.status, Method: cl.method, Path: cl.path,
			RequestID: a.header.Get("X-Request-Id"), RetryAfter: parseRetryAfter(a.header)}
		var body struct {
			ResultCode    string       `json:"resultCode"`
			ResultMessage string       `json:"resultMessage"`
			FieldErrors   []FieldError `json:"fieldErrors"`
		}
		if json.Unmarshal(a.body, &body) == nil { // a body that is not ours still yields the status
			e.ResultCode, e.ResultMessage, e.FieldErrors = body.ResultCode, body.ResultMessage, body.FieldErrors
		}
		return e
	}
	if out == nil || len(a.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(a.body, out); err != nil {
		return fmt.Errorf("gatehouse: %s %s: decode answer: %w", cl.method, cl.path, err)
	}
	return nil
}

// postJSON calls a POST API with a JSON body; it is never repeated once it
// may have reached the engine.
func postJSON[T any](ctx context.Context, c *Client, path string, in any) (*T, error) {
	var out T
	if err := c.Do(ctx, http.MethodPost, path, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// getJSON calls a read API, retried when that is safe.
func getJSON[T any](ctx context.Context, c *Client, path string) (*T, error) {
	var out T
	if err := c.Do(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
