package gatehouse

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func testFrontend(e *fakeEngine) *Frontend {
	return &Frontend{Client: e.start(), Realm: "example", Logger: slog.New(slog.DiscardHandler)}
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func formRequest(method, target, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestHandlersRefuseOtherMethods(t *testing.T) {
	e := newFakeEngine(t)
	fe := testFrontend(e)
	cases := []struct {
		h      http.Handler
		method string
		allow  string
	}{
		{fe.TokenHandler(TokenOptions{}), "GET", "POST"},
		{fe.RevocationHandler(), "GET", "POST"},
		{fe.IntrospectionHandler(func(*http.Request) error { return nil }), "GET", "POST"},
		{fe.UserInfoHandler(nil), "PUT", "GET, POST"},
		{fe.AuthorizationHandler(uiFuncs{}), "DELETE", "GET, POST"},
		{fe.DiscoveryHandler(), "POST", "GET, HEAD"},
		{fe.JWKSHandler(), "POST", "GET, HEAD"},
	}
	for _, tc := range cases {
		rec := serve(tc.h, httptest.NewRequest(tc.method, "/x", nil))
		if rec.Code != 405 || rec.Header().Get("Allow") != tc.allow || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d, Allow %q, want 405 and %q", tc.method, rec.Code, rec.Header().Get("Allow"), tc.allow)
		}
	}
	if n := len(e.Calls()); n != 0 {
		t.Errorf("engine calls = %d", n)
	}
}

func TestHandlersLimitBodies(t *testing.T) {
	e := newFakeEngine(t)
	fe := testFrontend(e)
	fe.MaxBodyBytes = 100
	big := "grant_type=password&x=" + strings.Repeat("a", 100)
	for name, h := range map[string]http.Handler{
		"token":         fe.TokenHandler(TokenOptions{}),
		"revocation":    fe.RevocationHandler(),
		"introspection": fe.IntrospectionHandler(func(*http.Request) error { return nil }),
		"userinfo":      fe.UserInfoHandler(nil),
		"authorization": fe.AuthorizationHandler(uiFuncs{}),
	} {
		got := answeredOf(t, serve(h, formRequest("POST", "/x", big)))
		if got.status != http.StatusRequestEntityTooLarge || !strings.Contains(got.body, `"invalid_request"`) {
			t.Errorf("%s: answer = %+v, want 413 invalid_request", name, got)
		}
	}
	if n := len(e.Calls()); n != 0 {
		t.Errorf("engine calls = %d", n)
	}

	// The default limit is the engine's: 16 KiB of parameters.
	fe.MaxBodyBytes = 0
	got := answeredOf(t, serve(fe.TokenHandler(TokenOptions{}), formRequest("POST", "/x", strings.Repeat("a", DefaultMaxBodyBytes+1))))
	if got.status != http.StatusRequestEntityTooLarge {
		t.Errorf("default limit: status %d", got.status)
	}
}

func TestHandlersHideEngineFailures(t *testing.T) {
	for _, tc := range []struct {
		status, want int
	}{{503, 503}, {500, 500}, {401, 500}, {400, 500}} {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/token", tc.status, `{"resultCode":"G000101","resultMessage":"[G000101] internal detail"}`)
		got := answeredOf(t, serve(testFrontend(e).TokenHandler(TokenOptions{}), formRequest("POST", "/token", "grant_type=client_credentials")))
		if got.status != tc.want || got.body != serverErrorBody {
			t.Errorf("engine %d: answer = %+v, want %d with the generic body", tc.status, got, tc.want)
		}
	}
}

func TestDocumentHandlersRepublishTheEngineDocuments(t *testing.T) {
	const discovery = `{"issuer":"https://as.example.com","x_future_member":true}`
	const jwks = `{"keys":[]}`
	e := newFakeEngine(t)
	e.reply("GET /api/service/configuration", 200, discovery)
	e.reply("GET /api/service/jwks/get", 200, jwks)
	fe := testFrontend(e)
	for _, tc := range []struct {
		h    http.Handler
		want string
	}{{fe.DiscoveryHandler(), discovery}, {fe.JWKSHandler(), jwks}} {
		got := answeredOf(t, serve(tc.h, httptest.NewRequest("GET", "/doc", nil)))
		if got.status != 200 || got.contentType != "application/json" || got.body != tc.want {
			t.Errorf("answer = %+v, want %s as it is", got, tc.want)
		}
	}

	e = newFakeEngine(t)
	e.reply("GET /api/service/configuration", 503, `{"resultCode":"G000102","resultMessage":"m"}`)
	fe = testFrontend(e)
	fe.Client.MaxAttempts = 1
	got := answeredOf(t, serve(fe.DiscoveryHandler(), httptest.NewRequest("GET", "/doc", nil)))
	if got.status != 503 || got.body != serverErrorBody {
		t.Errorf("answer = %+v", got)
	}
}

func TestFrontendLogsFailuresWithoutSecrets(t *testing.T) {
	var logs strings.Builder
	e := newFakeEngine(t)
	e.reply("POST /api/auth/token", 500, `{"resultCode":"G000101","resultMessage":"[G000101] engine fault"}`)
	fe := testFrontend(e)
	fe.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	r := formRequest("POST", "/token", url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {"hunter2"}}.Encode())
	r.SetBasicAuth("app", "client-secret")
	serve(fe.TokenHandler(TokenOptions{}), r)
	out := logs.String()
	if !strings.Contains(out, "G000101") || !strings.Contains(out, "req-1") {
		t.Errorf("log lacks the result code and the engine's request id:\n%s", out)
	}
	for _, secret := range []string{"hunter2", "client-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("log shows %q:\n%s", secret, out)
		}
	}
}
