package gatehouse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzEngine answers every request of a Client with the same fuzzed
// answer, without a network, and counts the body bytes the client read.
type fuzzEngine struct {
	status   int
	header   http.Header
	body     []byte
	pad      int // bytes of padding after body
	requests int
	read     int // the most body bytes read of one answer
}

func (e *fuzzEngine) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	e.requests++
	body := &fuzzBody{r: io.MultiReader(bytes.NewReader(e.body), io.LimitReader(fuzzPadding{}, int64(e.pad))), e: e}
	return &http.Response{StatusCode: e.status, Status: strconv.Itoa(e.status), Header: e.header.Clone(),
		Body: body, ContentLength: -1, Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// fuzzBody counts what the client reads of an answer.
type fuzzBody struct {
	r    io.Reader
	e    *fuzzEngine
	read int
}

func (b *fuzzBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	b.e.read = max(b.e.read, b.read)
	return n, err
}

func (b *fuzzBody) Close() error { return nil }

// fuzzPadding is an endless JSON-ish filler.
type fuzzPadding struct{}

func (fuzzPadding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// fuzzPadNear marks a padding that brings an answer near the SDK's cap.
const fuzzPadNear = 0xff << 24

// fuzzPad is the padding of an answer: up to 1 KiB, or, for the rare pad
// with the top byte set, to within 1 KiB of the cap on either side — so
// that most inputs cost no 4 MiB read, and the cap is still probed.
func fuzzPad(pad uint32) int {
	if pad&fuzzPadNear == fuzzPadNear {
		return maxResponse - 1024 + int(pad&0x7ff)
	}
	return int(pad & 0x3ff)
}

// fuzzParseHeader reads "Name: value" lines.
func fuzzParseHeader(s string) http.Header {
	h := http.Header{}
	for line := range strings.SplitSeq(s, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	return h
}

// The calls of FuzzResponseHandling.
const (
	fuzzCallToken = iota
	fuzzCallIntrospection
	fuzzCallGetClient
	fuzzCallDoGet    // retried on 502, 503, 504
	fuzzCallDoPost   // into a json.RawMessage
	fuzzCallDoDelete // no answer expected
	fuzzCalls
)

// fuzzRespondStatus is the action table of Respond (DESIGN §3): the status
// of each action, for plain, Bearer and Basic answers alike, but for the
// Bearer BAD_REQUEST.
var fuzzRespondStatus = map[Action]int{
	ActionOK: 200, ActionJSON: 200, ActionJWT: 200, ActionLocation: 302, ActionForm: 200,
	ActionBadRequest: 400, ActionUnauthorized: 401, ActionForbidden: 403, ActionInvalidClient: 401,
	ActionTooManyRequests: 429, ActionInternalServerError: 500,
}

const fuzzTokenAnswer = `{"resultCode":"G005001","resultMessage":"[G005001] ok","action":"OK","responseContent":"{\"access_token\":\"at\"}","accessToken":"at","scopes":["a"]}`

// FuzzResponseHandling answers the calls of a Client — Token,
// Introspection, GetClient and Do (GET, POST, DELETE) — with an arbitrary
// status, headers and body, padded up to past the SDK's 4 MiB cap. A call
// returns a result for a 2xx answer it can decode, a decode error for one it
// cannot, and an *Error with the status, the engine's result and a sane
// Retry-After for any other; it never reads more than the cap of one
// answer, and only a GET is tried again. Respond, RespondBearer and
// RespondBasic answer an arbitrary action and content as the action table
// says.
func FuzzResponseHandling(f *testing.F) {
	hdr := "Content-Type: application/json\nX-Request-Id: req-1"
	for _, s := range []struct {
		status int
		header string
		body   string
		call   uint8
		pad    uint32
		action string
	}{
		{200, hdr, fuzzTokenAnswer, fuzzCallToken, 0, "OK"},
		{200, hdr, `{"resultCode":"G006001","resultMessage":"m","action":"OK","clientId":1,"existent":true,"usable":true,"sufficient":true}`, fuzzCallIntrospection, 0, "BAD_REQUEST"},
		{200, hdr, `{"clientId":1,"clientName":"Web","clientType":"CONFIDENTIAL","redirectUris":["https://x/cb"]}`, fuzzCallGetClient, 0, "LOCATION"},
		{200, hdr, `{"clients":[],"totalCount":0}`, fuzzCallDoGet, 0, "UNAUTHORIZED"},
		{200, hdr, `[1,2,3]`, fuzzCallDoPost, 0, "FORM"},
		{204, "", ``, fuzzCallDoDelete, 0, "JWT"},
		{400, hdr, `{"resultCode":"G000202","resultMessage":"[G000202] bad","fieldErrors":[{"field":"clientName","message":"is required"}]}`, fuzzCallToken, 0, "INVALID_CLIENT"},
		{401, hdr + "\nWWW-Authenticate: Basic realm=\"gatehouse\"", `{"resultCode":"G000203","resultMessage":"[G000203] no"}`, fuzzCallIntrospection, 0, "FORBIDDEN"},
		{404, hdr, `{"resultCode":"G002201","resultMessage":"[G002201] client x not found"}`, fuzzCallGetClient, 0, "TOO_MANY_REQUESTS"},
		{413, hdr, `{"resultCode":"G000204","resultMessage":"too large"}`, fuzzCallDoPost, 0, "INTERNAL_SERVER_ERROR"},
		{429, hdr + "\nRetry-After: 3", `{"resultCode":"G000208","resultMessage":"slow down"}`, fuzzCallToken, 0, "JSON"},
		{503, hdr + "\nRetry-After: 1", `{"resultCode":"G000102","resultMessage":"store out"}`, fuzzCallDoGet, 0, "INTERACTION"},
		{503, hdr + "\nRetry-After: 0", ``, fuzzCallGetClient, 0, "PASSWORD"},
		{502, "Content-Type: text/html", `<html>bad gateway</html>`, fuzzCallDoGet, 0, ""},
		{504, "Retry-After: Fri, 31 Dec 1999 23:59:59 GMT", ``, fuzzCallDoGet, 0, "ok"},
		{503, "Retry-After: -1", ``, fuzzCallDoGet, 0, "\x00"},
		{503, "Retry-After: 99999", ``, fuzzCallDoGet, 0, "OK"},
		{500, hdr, `{"resultCode":"G000101","resultMessage":"[G000101] internal"}`, fuzzCallDoDelete, 0, "OK"},
		{302, "Location: https://evil.example/", ``, fuzzCallGetClient, 0, "LOCATION"},
		{307, "Location: /elsewhere", ``, fuzzCallDoPost, 0, "LOCATION"},
		{100, "", ``, fuzzCallToken, 0, "OK"},
		{0, "", ``, fuzzCallDoGet, 0, "OK"},
		{-1, "", ``, fuzzCallDoPost, 0, "OK"},
		{299, "", `{"action":"OK"}`, fuzzCallToken, 0, "OK"},
		{200, hdr, `{"action":"OK"`, fuzzCallToken, 0, "OK"},
		{200, hdr, `{"action":1}`, fuzzCallToken, 0, "OK"},
		{200, hdr, `null`, fuzzCallIntrospection, 0, "OK"},
		{200, hdr, `{"scopes":"a"}`, fuzzCallIntrospection, 0, "OK"},
		{200, hdr, ``, fuzzCallGetClient, 0, "OK"},
		{200, hdr, `{}`, fuzzCallToken, fuzzPadNear | (1024 - 2), "OK"}, // exactly the cap
		{200, hdr, `{}`, fuzzCallDoGet, fuzzPadNear | (1024 - 1), "OK"},
		{400, hdr, `{"resultCode":"G1"}`, fuzzCallDoPost, fuzzPadNear | 2047, "OK"},
		{400, hdr, `{"resultCode":["x"],"fieldErrors":{}}`, fuzzCallToken, 0, "BAD_REQUEST"},
		{400, hdr, strings.Repeat("[", 100000), fuzzCallToken, 0, "BAD_REQUEST"},
	} {
		f.Add(s.status, s.header, []byte(s.body), s.call, s.pad, s.action)
	}
	f.Fuzz(func(t *testing.T, status int, header string, body []byte, call uint8, pad uint32, action string) {
		e := &fuzzEngine{status: status, header: fuzzParseHeader(header), body: body, pad: fuzzPad(pad)}
		c := &Client{BaseURL: "http://engine.test", Key: testKey, Secret: testSecret, MaxAttempts: 2, RetryBackoff: 1,
			HTTPClient: &http.Client{Transport: e, CheckRedirect: defaultHTTPClient.CheckRedirect}}
		// A second of deadline: no Retry-After of a whole second is
		// waited for, so a retried call costs no time.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()

		var (
			result any
			err    error
		)
		call %= fuzzCalls
		switch call {
		case fuzzCallToken:
			result, err = c.Token(ctx, TokenRequest{Parameters: "grant_type=client_credentials"})
		case fuzzCallIntrospection:
			result, err = c.Introspection(ctx, IntrospectionRequest{Token: "at"})
		case fuzzCallGetClient:
			result, err = c.GetClient(ctx, "web")
		case fuzzCallDoGet:
			var out json.RawMessage
			result, err = &out, c.Do(ctx, http.MethodGet, "/api/client/get/list", nil, &out)
		case fuzzCallDoPost:
			var out json.RawMessage
			result, err = &out, c.Do(ctx, http.MethodPost, "/api/auth/token/revoke", map[string]string{"subject": "x"}, &out)
		case fuzzCallDoDelete:
			result, err = nil, c.Do(ctx, http.MethodDelete, "/api/client/delete/web", nil, nil)
		}

		size := len(body) + e.pad
		if e.read > maxResponse+1 {
			t.Fatalf("read %d bytes of a %d-byte answer; the cap is %d", e.read, size, maxResponse)
		}
		get := call == fuzzCallDoGet || call == fuzzCallGetClient
		retried := get && (status == 502 || status == 503 || status == 504 || size > maxResponse)
		if e.requests != 1 && !(retried && e.requests == 2) {
			t.Fatalf("%d requests for status %d (call %d)", e.requests, status, call)
		}
		var apiErr *Error
		var syntax *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case ctx.Err() != nil:
			// The machine was too slow for the deadline: nothing to judge.
		case size > maxResponse:
			if err == nil || !strings.Contains(err.Error(), "answer larger than") {
				t.Fatalf("a %d-byte answer: %v", size, err)
			}
		case status < 200 || status > 299:
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Fatalf("status %d: error %v (%T), want an *Error", status, err, err)
			}
			fuzzCheckError(t, apiErr, e.header.Get("Retry-After"), body)
		case err != nil:
			if !errors.As(err, &syntax) && !errors.As(err, &typeErr) && !strings.Contains(err.Error(), "decode answer") {
				t.Fatalf("status %d, body %q: error %v (%T)", status, body, err, err)
			}
		case call != fuzzCallDoDelete && result == nil:
			t.Fatalf("status %d: no error and no result", status)
		}

		fuzzCheckRespond(t, Action(action), string(body))
	})
}

// fuzzCheckError checks the *Error of a non-2xx answer.
func fuzzCheckError(t *testing.T, e *Error, retryAfter string, body []byte) {
	t.Helper()
	// Retry-After is delay-seconds (RFC 9110 §10.2.3): the engine's
	// number, or none; never less than it said, never negative.
	secs, err := strconv.Atoi(retryAfter)
	switch {
	case err == nil && secs > int(maxReportedRetryAfter/time.Second):
		// Past the cap (seeds retry-after-overflow-*: numbers a Duration
		// cannot hold): the cap, never a wrapped-around delay.
		if e.RetryAfter != maxReportedRetryAfter {
			t.Fatalf("Retry-After %q became %v, want the cap %v", retryAfter, e.RetryAfter, maxReportedRetryAfter)
		}
	case e.RetryAfter < 0:
		t.Fatalf("Retry-After %q became %v", retryAfter, e.RetryAfter)
	case err != nil || secs < 0:
	case e.RetryAfter != time.Duration(secs)*time.Second:
		t.Fatalf("Retry-After %q became %v", retryAfter, e.RetryAfter)
	}
	var want struct {
		ResultCode    string       `json:"resultCode"`
		ResultMessage string       `json:"resultMessage"`
		FieldErrors   []FieldError `json:"fieldErrors"`
	}
	if json.Unmarshal(body, &want) == nil && (e.ResultCode != want.ResultCode || e.ResultMessage != want.ResultMessage || len(e.FieldErrors) != len(want.FieldErrors)) {
		t.Fatalf("body %q became %+v", body, e)
	}
	if e.Error() == "" {
		t.Fatal("an empty error message")
	}
}

// fuzzCheckRespond answers action and content with Respond, RespondBearer
// and RespondBasic and checks each answer against the action table.
func fuzzCheckRespond(t *testing.T, action Action, content string) {
	t.Helper()
	for _, variant := range []string{"plain", "bearer", "basic"} {
		rec := httptest.NewRecorder()
		switch variant {
		case "plain":
			Respond(rec, action, content)
		case "bearer":
			RespondBearer(rec, action, content)
		default:
			RespondBasic(rec, action, content, "ex\"ample")
		}
		h := rec.Result().Header
		want, known := fuzzRespondStatus[action]
		if !known {
			want = http.StatusInternalServerError
		}
		if rec.Code != want || h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" {
			t.Fatalf("%s %q: status %d, headers %v; want %d", variant, action, rec.Code, h, want)
		}
		body := rec.Body.String()
		challenge := (action == ActionUnauthorized || action == ActionForbidden || action == ActionBadRequest && variant == "bearer")
		switch {
		case !known:
			if body != serverErrorBody {
				t.Fatalf("%s %q: body %q", variant, action, body)
			}
		case action == ActionLocation:
			if h.Get("Location") != content || body != "" {
				t.Fatalf("%s LOCATION %q: Location %q, body %q", variant, content, h.Get("Location"), body)
			}
		case challenge:
			if h.Get("WWW-Authenticate") != content || body != "" {
				t.Fatalf("%s %s %q: WWW-Authenticate %q, body %q", variant, action, content, h.Get("WWW-Authenticate"), body)
			}
		case action == ActionInternalServerError && content == "":
			if body != serverErrorBody {
				t.Fatalf("%s INTERNAL_SERVER_ERROR: body %q", variant, body)
			}
		default:
			if body != content {
				t.Fatalf("%s %s: body %q, want %q", variant, action, body, content)
			}
			if basic := h.Get("WWW-Authenticate"); (variant == "basic" && action == ActionInvalidClient) != (basic == `Basic realm="ex\"ample"`) {
				t.Fatalf("%s %s: WWW-Authenticate %q", variant, action, basic)
			}
		}
	}
}
