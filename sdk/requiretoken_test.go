package gatehouse

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// protected is a resource that reports what RequireToken put in the context.
var protected = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	info, ok := TokenInfoFromContext(r.Context())
	if !ok {
		http.Error(w, "no token info", 500)
		return
	}
	fmt.Fprintf(w, "%s %v %d %s", SubjectFromContext(r.Context()), ScopesFromContext(r.Context()), ClientIDFromContext(r.Context()),
		info.ExpiresAt.UTC().Format(time.RFC3339))
})

func bearerRequest(header string) *http.Request {
	r := httptest.NewRequest("GET", "/api/orders", nil)
	if header != "" {
		r.Header.Set("Authorization", header)
	}
	return r
}

// introspectionOK answers OK for any token, expiring in lifetime from now.
func introspectionOK(e *fakeEngine, lifetime time.Duration) {
	e.on("POST /api/auth/introspection", func(recorded) (int, string) {
		return 200, fmt.Sprintf(`{"resultCode":"G006001","resultMessage":"m","action":"OK","clientId":7,"subject":"alice",
			"scopes":["orders","profile"],"expiresAt":%d,"existent":true,"usable":true,"sufficient":true,"refreshable":false}`,
			time.Now().Add(lifetime).UnixMilli())
	})
}

func testResourceServer(c *Client) *ResourceServer {
	return &ResourceServer{Client: c, Realm: "orders", Logger: slog.New(slog.DiscardHandler)}
}

func TestRequireTokenLetsAGoodTokenThrough(t *testing.T) {
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "BeArEr"} {
		t.Run(scheme, func(t *testing.T) {
			e := newFakeEngine(t)
			introspectionOK(e, time.Hour)
			h := testResourceServer(e.start()).RequireToken("orders")(protected)
			rec := serve(h, bearerRequest(scheme+" tok-1.2_3~4+5/6=="))
			assertCall(t, e.one(t), "POST", "/api/auth/introspection", `{"token":"tok-1.2_3~4+5/6==","scopes":["orders"]}`)
			if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "alice [orders profile] 7 ") {
				t.Errorf("answer = %d %q", rec.Code, rec.Body.String())
			}
		})
	}
}

func TestRequireTokenWithoutCredentials(t *testing.T) {
	// RFC 6750 §3.1: no error code for a request without credentials.
	for name, header := range map[string]string{"no header": "", "another scheme": "Basic YTpi", "a scheme prefix": "Bearerx tok"} {
		t.Run(name, func(t *testing.T) {
			e := newFakeEngine(t)
			got := answeredOf(t, serve(testResourceServer(e.start()).RequireToken()(protected), bearerRequest(header)))
			if got != (answered{status: 401, authenticate: `Bearer realm="orders"`}) {
				t.Errorf("answer = %+v", got)
			}
			if len(e.Calls()) != 0 {
				t.Error("the engine was called")
			}
		})
	}
}

func TestRequireTokenMalformedCredentials(t *testing.T) {
	for name, header := range map[string]string{
		"no token":          "Bearer",
		"only spaces":       "Bearer   ",
		"two tokens":        "Bearer a b",
		"a comma":           "Bearer a,b",
		"a quote":           `Bearer "a"`,
		"padding only":      "Bearer ==",
		"padding in middle": "Bearer a=b",
	} {
		t.Run(name, func(t *testing.T) {
			e := newFakeEngine(t)
			got := answeredOf(t, serve(testResourceServer(e.start()).RequireToken()(protected), bearerRequest(header)))
			want := answered{status: 400, authenticate: `Bearer realm="orders", error="invalid_request", error_description="` + string(problemMalformed) + `"`}
			if got != want {
				t.Errorf("answer = %+v\nwant     %+v", got, want)
			}
			if len(e.Calls()) != 0 {
				t.Error("the engine was called")
			}
		})
	}
	t.Run("two headers", func(t *testing.T) {
		e := newFakeEngine(t)
		r := bearerRequest("Bearer a")
		r.Header.Add("Authorization", "Bearer b")
		got := answeredOf(t, serve(testResourceServer(e.start()).RequireToken()(protected), r))
		if got.status != 400 || !strings.Contains(got.authenticate, `error="invalid_request"`) {
			t.Errorf("answer = %+v", got)
		}
	})
}

func TestRequireTokenAnswersTheEngineVerdict(t *testing.T) {
	cases := []struct {
		answer string
		want   answered
	}{
		{`{"resultCode":"G006301","resultMessage":"m","action":"UNAUTHORIZED","responseContent":"Bearer error=\"invalid_token\", error_description=\"unknown\"","existent":false,"usable":false,"sufficient":false,"refreshable":false}`,
			answered{status: 401, authenticate: `Bearer error="invalid_token", error_description="unknown"`}},
		{`{"resultCode":"G006304","resultMessage":"m","action":"FORBIDDEN","responseContent":"Bearer error=\"insufficient_scope\", scope=\"orders\"","existent":true,"usable":true,"sufficient":false,"refreshable":false}`,
			answered{status: 403, authenticate: `Bearer error="insufficient_scope", scope="orders"`}},
		{`{"resultCode":"G006201","resultMessage":"m","action":"BAD_REQUEST","responseContent":"Bearer error=\"invalid_request\"","existent":false,"usable":false,"sufficient":false,"refreshable":false}`,
			answered{status: 400, authenticate: `Bearer error="invalid_request"`}},
		{`{"resultCode":"G004101","resultMessage":"m","action":"INTERNAL_SERVER_ERROR","responseContent":"{\"error\":\"server_error\"}","existent":false,"usable":false,"sufficient":false,"refreshable":false}`,
			answered{status: 500, contentType: "application/json", body: `{"error":"server_error"}`}},
	}
	for _, tc := range cases {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/introspection", 200, tc.answer)
		got := answeredOf(t, serve(testResourceServer(e.start()).RequireToken("orders")(protected), bearerRequest("Bearer tok")))
		if got != tc.want {
			t.Errorf("answer = %+v\nwant     %+v", got, tc.want)
		}
	}
}

func TestRequireTokenHidesEngineFailures(t *testing.T) {
	for _, tc := range []struct{ status, want int }{{503, 503}, {401, 500}, {500, 500}} {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/introspection", tc.status, `{"resultCode":"G000101","resultMessage":"[G000101] detail"}`)
		got := answeredOf(t, serve(testResourceServer(e.start()).RequireToken()(protected), bearerRequest("Bearer tok")))
		if got.status != tc.want || got.body != serverErrorBody {
			t.Errorf("engine %d: answer = %+v", tc.status, got)
		}
	}
}

func TestRequireTokenCachesGoodTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newFakeEngine(t)
		introspectionOK(e, time.Hour)
		rs := testResourceServer(e.inProcess())
		rs.CacheTTL = 10 * time.Second
		h := rs.RequireToken("orders")(protected)
		for range 3 {
			if rec := serve(h, bearerRequest("Bearer tok")); rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
		}
		if n := len(e.Calls()); n != 1 {
			t.Errorf("engine calls = %d, want 1: the cache must answer the repeats", n)
		}
		// The cache is per scope set: another requirement asks again.
		serve(rs.RequireToken("profile")(protected), bearerRequest("Bearer tok"))
		// ... and per token.
		serve(h, bearerRequest("Bearer other"))
		if n := len(e.Calls()); n != 3 {
			t.Errorf("engine calls = %d, want 3", n)
		}
		// The same scopes in another order are the same requirement.
		serve(rs.RequireToken("orders", "profile")(protected), bearerRequest("Bearer tok"))
		serve(rs.RequireToken("profile", "orders", "orders")(protected), bearerRequest("Bearer tok"))
		if n := len(e.Calls()); n != 4 {
			t.Errorf("engine calls = %d, want 4", n)
		}

		time.Sleep(10 * time.Second)
		serve(h, bearerRequest("Bearer tok"))
		if n := len(e.Calls()); n != 5 {
			t.Errorf("engine calls = %d, want 5: an entry lives CacheTTL", n)
		}
	})
}

func TestRequireTokenNeverCachesPastExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newFakeEngine(t)
		introspectionOK(e, 2*time.Second)
		rs := testResourceServer(e.inProcess())
		rs.CacheTTL = time.Minute
		h := rs.RequireToken()(protected)
		serve(h, bearerRequest("Bearer tok"))
		time.Sleep(1999 * time.Millisecond)
		serve(h, bearerRequest("Bearer tok"))
		if n := len(e.Calls()); n != 1 {
			t.Errorf("engine calls = %d before expiry, want 1", n)
		}
		time.Sleep(time.Millisecond)
		serve(h, bearerRequest("Bearer tok"))
		if n := len(e.Calls()); n != 2 {
			t.Errorf("engine calls = %d at expiry, want 2", n)
		}
	})
}

func TestRequireTokenDoesNotCacheRefusals(t *testing.T) {
	var n atomic.Int32
	e := newFakeEngine(t)
	e.on("POST /api/auth/introspection", func(recorded) (int, string) {
		if n.Add(1) == 1 {
			return 200, `{"resultCode":"G006304","resultMessage":"m","action":"FORBIDDEN","responseContent":"Bearer error=\"insufficient_scope\"","existent":true,"usable":true,"sufficient":false,"refreshable":false}`
		}
		return 200, fmt.Sprintf(`{"resultCode":"G006001","resultMessage":"m","action":"OK","clientId":7,"subject":"alice","expiresAt":%d,"existent":true,"usable":true,"sufficient":true,"refreshable":false}`,
			time.Now().Add(time.Hour).UnixMilli())
	})
	h := testResourceServer(e.start()).RequireToken("orders")(protected)
	if rec := serve(h, bearerRequest("Bearer tok")); rec.Code != 403 {
		t.Fatalf("first status %d", rec.Code)
	}
	// The scope was granted since: the refusal must not stick.
	if rec := serve(h, bearerRequest("Bearer tok")); rec.Code != 200 {
		t.Errorf("second status %d, want 200", rec.Code)
	}
}

func TestRequireTokenCacheIsBounded(t *testing.T) {
	e := newFakeEngine(t)
	introspectionOK(e, time.Hour)
	rs := testResourceServer(e.start())
	rs.CacheSize = 2
	h := rs.RequireToken()(protected)
	for _, tok := range []string{"a", "b", "a", "c"} { // "a" used again: "b" is the least recent
		serve(h, bearerRequest("Bearer "+tok))
	}
	if got := rs.tokenCache().len(); got != 2 {
		t.Errorf("cache holds %d entries, want 2", got)
	}
	before := len(e.Calls())
	serve(h, bearerRequest("Bearer a"))
	serve(h, bearerRequest("Bearer c"))
	if len(e.Calls()) != before {
		t.Error("a recent token was evicted")
	}
	serve(h, bearerRequest("Bearer b"))
	if len(e.Calls()) != before+1 {
		t.Error("the least recently used token was not the one evicted")
	}
}

func TestRequireTokenCacheCanBeTurnedOff(t *testing.T) {
	e := newFakeEngine(t)
	introspectionOK(e, time.Hour)
	rs := testResourceServer(e.start())
	rs.CacheTTL = -1
	h := rs.RequireToken()(protected)
	serve(h, bearerRequest("Bearer tok"))
	serve(h, bearerRequest("Bearer tok"))
	if n := len(e.Calls()); n != 2 {
		t.Errorf("engine calls = %d, want 2", n)
	}
}

func TestRequireTokenCacheKeepsNoRawTokens(t *testing.T) {
	e := newFakeEngine(t)
	introspectionOK(e, time.Hour)
	rs := testResourceServer(e.start())
	serve(rs.RequireToken()(protected), bearerRequest("Bearer the-raw-token"))
	c := rs.tokenCache()
	c.mu.Lock()
	defer c.mu.Unlock()
	for key := range c.entries {
		if strings.Contains(string(key.token[:]), "the-raw-token") {
			t.Error("the cache key holds the raw token")
		}
	}
}

func TestContextAccessorsCopy(t *testing.T) {
	e := newFakeEngine(t)
	introspectionOK(e, time.Hour)
	rs := testResourceServer(e.start())
	mutate := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ScopesFromContext(r.Context())[0] = "admin"
		info, _ := TokenInfoFromContext(r.Context())
		info.Scopes[0] = "admin"
		io.WriteString(w, strings.Join(ScopesFromContext(r.Context()), " "))
	})
	h := rs.RequireToken()(mutate)
	serve(h, bearerRequest("Bearer tok"))
	rec := serve(h, bearerRequest("Bearer tok")) // from the cache
	if rec.Body.String() != "orders profile" {
		t.Errorf("scopes = %q: a handler changed the cached token", rec.Body.String())
	}
	if len(e.Calls()) != 1 {
		t.Errorf("calls = %d", len(e.Calls()))
	}
	if got := ScopesFromContext(httptest.NewRequest("GET", "/", nil).Context()); got != nil {
		t.Errorf("scopes without a token = %v", got)
	}
}
