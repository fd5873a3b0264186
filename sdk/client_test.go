package gatehouse

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestDoSendsCredentialsAndDecodes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, secret, ok := r.BasicAuth()
		if !ok || key != "123" || secret != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"resultCode":"G000203","resultMessage":"[G000203] missing or invalid API credentials"}`)
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != "/api/client/create" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("got %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		body, _ := io.ReadAll(r.Body)
		if string(body) != `{"clientName":"x"}` {
			t.Errorf("body = %s", body)
		}
		io.WriteString(w, `{"clientId":42}`)
	}))
	defer srv.Close()

	c := &Client{BaseURL: srv.URL + "/", Key: "123", Secret: "s3cret"}
	var out struct {
		ClientID int64 `json:"clientId"`
	}
	if err := c.Do(context.Background(), http.MethodPost, "/api/client/create", map[string]string{"clientName": "x"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.ClientID != 42 {
		t.Errorf("clientId = %d, want 42", out.ClientID)
	}

	c.Secret = "wrong"
	err := c.Do(context.Background(), http.MethodGet, "/api/client/get/list", nil, &out)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.ResultCode != "G000203" {
		t.Fatalf("error = %#v, want a 401 *Error with G000203", err)
	}
}

func TestDoReportsForeignErrorBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad gateway", http.StatusBadGateway)
	}))
	defer srv.Close()
	err := (&Client{BaseURL: srv.URL, RetryBackoff: 1}).Do(context.Background(), http.MethodGet, "/health/ready", nil, nil)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway || apiErr.ResultCode != "" {
		t.Fatalf("error = %#v, want a 502 *Error without result", err)
	}
}

func TestErrorKeepsTheEngineResult(t *testing.T) {
	e := newFakeEngine(t)
	e.reply("POST /api/client/create", http.StatusBadRequest,
		`{"resultCode":"G000202","resultMessage":"[G000202] invalid request body: clientName: is required","fieldErrors":[{"field":"clientName","message":"is required"}]}`)
	_, err := e.start().CreateClient(context.Background(), OAuthClient{ClientType: "PUBLIC"})
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want an *Error", err)
	}
	want := Error{StatusCode: 400, ResultCode: "G000202", ResultMessage: "[G000202] invalid request body: clientName: is required",
		FieldErrors: []FieldError{{Field: "clientName", Message: "is required"}}, RequestID: "req-1", Method: "POST", Path: "/api/client/create"}
	if !reflect.DeepEqual(*apiErr, want) {
		t.Errorf("error = %#v\nwant    %#v", *apiErr, want)
	}
	if got := apiErr.Error(); got != "gatehouse: POST /api/client/create: HTTP 400: [G000202] invalid request body: clientName: is required (request id req-1)" {
		t.Errorf("Error() = %q", got)
	}
}

func TestWrongCredentialsAreA401Error(t *testing.T) {
	e := newFakeEngine(t)
	c := e.start()
	c.Secret = "wrong"
	_, err := c.ServiceConfiguration(context.Background())
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.ResultCode != "G000203" {
		t.Fatalf("error = %v, want 401 G000203", err)
	}
	if n := len(e.Calls()); n != 1 {
		t.Errorf("calls = %d: a 401 must not be retried", n)
	}
}

// flaky answers status to the first n calls of route, then 200 with body.
func flaky(e *fakeEngine, route string, n, status int, body string) {
	calls := 0
	e.on(route, func(recorded) (int, string) {
		calls++
		if calls <= n {
			return status, `{"resultCode":"G000102","resultMessage":"[G000102] store unavailable"}`
		}
		return http.StatusOK, body
	})
}

func TestGETIsRetriedOnGatewayAndOutageStatuses(t *testing.T) {
	for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newFakeEngine(t)
				flaky(e, "GET /api/client/get/list", 2, status, `{"start":0,"end":20,"totalCount":0,"clients":[]}`)
				list, err := e.inProcess().ListClients(context.Background(), 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				if list.End != 20 || len(e.Calls()) != 3 {
					t.Errorf("list = %+v after %d calls, want the third call's answer", list, len(e.Calls()))
				}
			})
		})
	}
}

func TestGETRetriesBackOffAndHonourRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newFakeEngine(t)
		flaky(e, "GET /api/service/jwks/get", 100, http.StatusServiceUnavailable, "")
		c := e.inProcess()
		c.MaxAttempts = 4
		start := time.Now()
		_, err := c.ServiceJWKS(context.Background())
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.RetryAfter != time.Second {
			t.Fatalf("error = %v, want the last 503 with its Retry-After", err)
		}
		if n := len(e.Calls()); n != 4 {
			t.Errorf("calls = %d, want MaxAttempts = 4", n)
		}
		// Backoff 100 ms, 200 ms, 400 ms (± jitter), each raised to the
		// engine's Retry-After of 1 s.
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("waited %v, want 3 × Retry-After", d)
		}
	})
}

func TestGETBackoffDoublesWithJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newFakeEngine(t)
		flaky(e, "GET /api/client/get/app", 100, http.StatusBadGateway, "") // no Retry-After
		c := e.inProcess()
		c.RetryBackoff = 100 * time.Millisecond
		start := time.Now()
		if _, err := c.GetClient(context.Background(), "app"); err == nil {
			t.Fatal("no error")
		}
		// Two waits: 50–100 ms, then 100–200 ms.
		if d := time.Since(start); d < 150*time.Millisecond || d > 300*time.Millisecond {
			t.Errorf("waited %v, want 150 ms to 300 ms", d)
		}
	})
}

func TestStateChangingCallsAreNotRetriedOnStatus(t *testing.T) {
	cases := map[string]func(*Client) error{
		"POST /api/auth/token": func(c *Client) error {
			_, err := c.Token(context.Background(), TokenRequest{Parameters: "grant_type=authorization_code&code=x"})
			return err
		},
		// A GET in Authlete's API, but it replaces the secret.
		"GET /api/client/secret/refresh/app": func(c *Client) error {
			_, err := c.RefreshClientSecret(context.Background(), "app")
			return err
		},
		"DELETE /api/client/delete/app": func(c *Client) error {
			return c.DeleteClient(context.Background(), "app")
		},
	}
	for route, call := range cases {
		t.Run(route, func(t *testing.T) {
			e := newFakeEngine(t)
			flaky(e, route, 1, http.StatusServiceUnavailable, `{}`)
			err := call(e.start())
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
				t.Fatalf("error = %v, want the 503", err)
			}
			if n := len(e.Calls()); n != 1 {
				t.Errorf("calls = %d, want 1", n)
			}
		})
	}
}

// dropping is an engine that reads each request, then drops the
// connection without answering: the request has reached it.
func dropping(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestPOSTIsNotRetriedOnceSent(t *testing.T) {
	srv, n := dropping(t)
	c := &Client{BaseURL: srv.URL, Key: testKey, Secret: testSecret, RetryBackoff: 1}
	_, err := c.AuthorizationIssue(context.Background(), AuthorizationIssueRequest{Ticket: "t", Subject: "alice"})
	if err == nil {
		t.Fatal("no error for a dropped connection")
	}
	if n.Load() != 1 {
		t.Errorf("the engine saw the POST %d times, want 1", n.Load())
	}
}

func TestGETIsRetriedOnNetworkErrors(t *testing.T) {
	srv, n := dropping(t)
	c := &Client{BaseURL: srv.URL, Key: testKey, Secret: testSecret, RetryBackoff: 1}
	if _, err := c.GetClient(context.Background(), "app"); err == nil {
		t.Fatal("no error for a dropped connection")
	}
	if n.Load() != 3 {
		t.Errorf("the engine saw the GET %d times, want 3", n.Load())
	}
}

func TestPOSTIsRetriedAfterADialError(t *testing.T) {
	e := newFakeEngine(t)
	e.reply("POST /api/auth/token/fail", http.StatusOK, `{"resultCode":"G005003","resultMessage":"m","action":"BAD_REQUEST","responseContent":"{}"}`)
	c := e.start()
	var dials atomic.Int32
	var d net.Dialer
	c.HTTPClient = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
			}
			return d.DialContext(ctx, network, addr)
		},
	}}
	res, err := c.TokenFail(context.Background(), TokenFailRequest{Ticket: "t", Reason: TokenReasonUnknown})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != ActionBadRequest || dials.Load() != 2 || len(e.Calls()) != 1 {
		t.Errorf("action %s after %d dials and %d engine calls, want BAD_REQUEST, 2, 1", res.Action, dials.Load(), len(e.Calls()))
	}
}

func TestRefusedConnectionIsRetriedThenReported(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	var dials atomic.Int32
	var d net.Dialer
	c := &Client{BaseURL: "http://" + addr, Key: testKey, Secret: testSecret, RetryBackoff: 1,
		HTTPClient: &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				dials.Add(1)
				return d.DialContext(ctx, network, addr)
			},
		}}}
	_, err = c.Introspection(context.Background(), IntrospectionRequest{Token: "x"})
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("error = %v, want the dial error", err)
	}
	if dials.Load() != 3 {
		t.Errorf("dials = %d: a POST that could not connect is safe to retry, 3 attempts", dials.Load())
	}
}

func TestRetryWaitHonoursTheContext(t *testing.T) {
	e := newFakeEngine(t)
	flaky(e, "GET /api/service/configuration", 100, http.StatusServiceUnavailable, "")
	c := e.start()
	c.RetryBackoff = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ServiceConfiguration(ctx)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("error = %v, want the 503", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v: a wait past the deadline must not start", d)
	}
	if n := len(e.Calls()); n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}

func TestCancelledContextStopsTheCall(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-block
	}))
	defer srv.Close()
	defer close(block)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := (&Client{BaseURL: srv.URL}).ListServices(ctx, 0, 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestTimeoutBoundsEachAttempt(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done() // the first attempt hangs until the client gives up
			return
		}
		io.WriteString(w, `{"keys":[]}`)
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, Timeout: 200 * time.Millisecond, RetryBackoff: 1}
	doc, err := c.ServiceJWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != `{"keys":[]}` || n.Load() != 2 {
		t.Errorf("doc %s after %d attempts", doc, n.Load())
	}
}

func TestOversizedAnswerIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte(" "), maxResponse+1))
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, MaxAttempts: 1}
	if _, err := c.ServiceConfiguration(context.Background()); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("error = %v, want a size error", err)
	}
}

func TestRequestBodiesAreNotHTMLEscaped(t *testing.T) {
	e := newFakeEngine(t)
	e.reply("POST /api/auth/authorization", http.StatusOK, `{"resultCode":"G004001","resultMessage":"m","action":"INTERACTION","ticket":"t"}`)
	if _, err := e.start().Authorization(context.Background(), AuthorizationRequest{Parameters: "a=<b>&c=d"}); err != nil {
		t.Fatal(err)
	}
	if got := e.one(t).Body; got != `{"parameters":"a=<b>&c=d"}` {
		t.Errorf("body = %s", got)
	}
}
