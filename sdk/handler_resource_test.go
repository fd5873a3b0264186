package gatehouse

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRevocationHandler(t *testing.T) {
	e := newFakeEngine(t)
	e.reply("POST /api/auth/revocation", 200, `{"resultCode":"G007001","resultMessage":"m","action":"OK"}`)
	r := formRequest("POST", "/revoke", "token=rt&token_type_hint=refresh_token")
	r.SetBasicAuth("4242", "s3cr3t")
	got := answeredOf(t, serve(testFrontend(e).RevocationHandler(), r))
	assertCall(t, e.one(t), "POST", "/api/auth/revocation", `{"parameters":"token=rt&token_type_hint=refresh_token","clientId":"4242","clientSecret":"s3cr3t"}`)
	if got != (answered{status: 200}) {
		t.Errorf("answer = %+v, want 200 with an empty body (RFC 7009 §2.2)", got)
	}

	e = newFakeEngine(t)
	e.reply("POST /api/auth/revocation", 200, `{"resultCode":"G005306","resultMessage":"m","action":"INVALID_CLIENT","responseContent":"{\"error\":\"invalid_client\"}"}`)
	r = formRequest("POST", "/revoke", "token=rt")
	r.SetBasicAuth("4242", "wrong")
	got = answeredOf(t, serve(testFrontend(e).RevocationHandler(), r))
	if got.status != 401 || got.authenticate != `Basic realm="example"` {
		t.Errorf("answer = %+v", got)
	}
}

func TestIntrospectionHandlerRequiresAnAuthenticator(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("IntrospectionHandler(nil) did not panic: an open introspection endpoint lets anyone probe tokens")
		}
	}()
	(&Frontend{}).IntrospectionHandler(nil)
}

func TestIntrospectionHandler(t *testing.T) {
	auth := BasicAuthenticator(map[string]string{"rs-1": "rs-secret"})
	t.Run("an unknown caller gets 401", func(t *testing.T) {
		e := newFakeEngine(t)
		r := formRequest("POST", "/introspect", "token=at")
		r.SetBasicAuth("rs-1", "wrong")
		got := answeredOf(t, serve(testFrontend(e).IntrospectionHandler(auth), r))
		if got.status != 401 || got.authenticate != `Basic realm="example"` || !strings.Contains(got.body, `"invalid_client"`) {
			t.Errorf("answer = %+v", got)
		}
		if len(e.Calls()) != 0 {
			t.Error("the engine was called for an unauthenticated caller")
		}
	})
	t.Run("a known caller gets the engine's answer", func(t *testing.T) {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/introspection/standard", 200,
			`{"resultCode":"G006002","resultMessage":"m","action":"OK","responseContent":"{\"active\":true,\"sub\":\"alice\"}"}`)
		r := formRequest("POST", "/introspect", "token=at&token_type_hint=access_token")
		r.SetBasicAuth("rs-1", "rs-secret")
		got := answeredOf(t, serve(testFrontend(e).IntrospectionHandler(auth), r))
		assertCall(t, e.one(t), "POST", "/api/auth/introspection/standard", `{"parameters":"token=at&token_type_hint=access_token"}`)
		if got.status != 200 || got.body != `{"active":true,"sub":"alice"}` || got.contentType != "application/json" {
			t.Errorf("answer = %+v", got)
		}
	})
	t.Run("the hook may read the form", func(t *testing.T) {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/introspection/standard", 200, `{"resultCode":"G006002","resultMessage":"m","action":"OK","responseContent":"{\"active\":false}"}`)
		hook := func(r *http.Request) error {
			if err := r.ParseForm(); err != nil || r.PostForm.Get("client_secret") != "post-secret" {
				return ErrNotAuthenticated
			}
			return nil
		}
		got := answeredOf(t, serve(testFrontend(e).IntrospectionHandler(hook), formRequest("POST", "/introspect", "token=at&client_id=rs&client_secret=post-secret")))
		if got.status != 200 {
			t.Errorf("answer = %+v", got)
		}
		assertCall(t, e.one(t), "POST", "/api/auth/introspection/standard", `{"parameters":"token=at&client_id=rs&client_secret=post-secret"}`)
	})
}

func TestBasicAuthenticator(t *testing.T) {
	auth := BasicAuthenticator(map[string]string{"rs-1": "s1", "rs-2": "s2"})
	for _, tc := range []struct {
		id, secret string
		set, ok    bool
	}{
		{"rs-1", "s1", true, true},
		{"rs-2", "s2", true, true},
		{"rs-1", "s2", true, false},
		{"rs-3", "s1", true, false},
		{"", "", false, false},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		if tc.set {
			r.SetBasicAuth(tc.id, tc.secret)
		}
		if err := auth(r); (err == nil) != tc.ok {
			t.Errorf("%s:%s: error %v, want ok %v", tc.id, tc.secret, err, tc.ok)
		}
	}
}

const userInfoOK = `{"resultCode":"G008001","resultMessage":"m","action":"OK","clientId":7,"subject":"alice","scopes":["openid","email"],"claims":["email","email_verified"]}`

func TestUserInfoHandler(t *testing.T) {
	claims := func(_ context.Context, subject string, names []string) (map[string]any, error) {
		if subject != "alice" || strings.Join(names, " ") != "email email_verified" {
			return nil, errors.New("unexpected question")
		}
		return map[string]any{"email": "alice@example.com", "email_verified": true}, nil
	}
	for name, r := range map[string]*http.Request{
		"GET with the header": func() *http.Request {
			r := httptest.NewRequest("GET", "/userinfo", nil)
			r.Header.Set("Authorization", "bearer at")
			return r
		}(),
		"POST with the form": formRequest("POST", "/userinfo", "access_token=at"),
		"POST with the header": func() *http.Request {
			r := httptest.NewRequest("POST", "/userinfo", nil)
			r.Header.Set("Authorization", "BEARER at")
			return r
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			e := newFakeEngine(t)
			e.reply("POST /api/auth/userinfo", 200, userInfoOK)
			e.reply("POST /api/auth/userinfo/issue", 200, `{"resultCode":"G008002","resultMessage":"m","action":"JSON","responseContent":"{\"email\":\"alice@example.com\",\"sub\":\"alice\"}"}`)
			got := answeredOf(t, serve(testFrontend(e).UserInfoHandler(claims), r))
			calls := e.Calls()
			if len(calls) != 2 {
				t.Fatalf("calls = %v", calls)
			}
			assertCall(t, calls[0], "POST", "/api/auth/userinfo", `{"token":"at"}`)
			assertCall(t, calls[1], "POST", "/api/auth/userinfo/issue", `{"token":"at","claims":"{\"email\":\"alice@example.com\",\"email_verified\":true}"}`)
			if got.status != 200 || got.contentType != "application/json" || got.body != `{"email":"alice@example.com","sub":"alice"}` {
				t.Errorf("answer = %+v", got)
			}
		})
	}
}

func TestUserInfoHandlerRefusals(t *testing.T) {
	withHeader := func(r *http.Request, v string) *http.Request {
		r.Header.Set("Authorization", v)
		return r
	}
	cases := []struct {
		name string
		r    *http.Request
		want answered
	}{
		{"no token: a bare challenge (RFC 6750 §3.1)", httptest.NewRequest("GET", "/userinfo", nil),
			answered{status: 401, authenticate: `Bearer realm="example"`}},
		{"another scheme is no token", withHeader(httptest.NewRequest("GET", "/userinfo", nil), "Basic YTpi"),
			answered{status: 401, authenticate: `Bearer realm="example"`}},
		{"a malformed header", withHeader(httptest.NewRequest("GET", "/userinfo", nil), "Bearer a b"),
			answered{status: 400, authenticate: `Bearer realm="example", error="invalid_request", error_description="` + string(problemMalformed) + `"`}},
		{"header and form both", withHeader(formRequest("POST", "/userinfo", "access_token=at"), "Bearer at"),
			answered{status: 400, authenticate: `Bearer realm="example", error="invalid_request", error_description="` + string(problemTwoMethods) + `"`}},
		{"a repeated form token", formRequest("POST", "/userinfo", "access_token=a&access_token=b"),
			answered{status: 400, authenticate: `Bearer realm="example", error="invalid_request", error_description="` + string(problemMalformed) + `"`}},
		{"a token in a JSON body is no token", func() *http.Request {
			r := httptest.NewRequest("POST", "/userinfo", strings.NewReader(`{"access_token":"at"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}(), answered{status: 401, authenticate: `Bearer realm="example"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newFakeEngine(t)
			got := answeredOf(t, serve(testFrontend(e).UserInfoHandler(nil), tc.r))
			if got != tc.want {
				t.Errorf("answer = %+v\nwant     %+v", got, tc.want)
			}
			if len(e.Calls()) != 0 {
				t.Error("the engine was called")
			}
		})
	}
}

func TestUserInfoHandlerRelaysTheEngine(t *testing.T) {
	bearerGet := func() *http.Request {
		r := httptest.NewRequest("GET", "/userinfo", nil)
		r.Header.Set("Authorization", "Bearer at")
		return r
	}
	t.Run("an unknown token", func(t *testing.T) {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/userinfo", 200, `{"resultCode":"G008301","resultMessage":"m","action":"UNAUTHORIZED","responseContent":"Bearer error=\"invalid_token\""}`)
		got := answeredOf(t, serve(testFrontend(e).UserInfoHandler(nil), bearerGet()))
		if got != (answered{status: 401, authenticate: `Bearer error="invalid_token"`}) {
			t.Errorf("answer = %+v", got)
		}
	})
	t.Run("no claims to collect", func(t *testing.T) {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/userinfo", 200, `{"resultCode":"G008001","resultMessage":"m","action":"OK","clientId":7,"subject":"alice","scopes":["openid"]}`)
		e.reply("POST /api/auth/userinfo/issue", 200, `{"resultCode":"G008002","resultMessage":"m","action":"JSON","responseContent":"{\"sub\":\"alice\"}"}`)
		asked := false
		claims := func(context.Context, string, []string) (map[string]any, error) { asked = true; return nil, nil }
		got := answeredOf(t, serve(testFrontend(e).UserInfoHandler(claims), bearerGet()))
		if asked {
			t.Error("the claims callback was asked for no claims")
		}
		assertCall(t, e.Calls()[1], "POST", "/api/auth/userinfo/issue", `{"token":"at"}`)
		if got.status != 200 || got.body != `{"sub":"alice"}` {
			t.Errorf("answer = %+v", got)
		}
	})
	t.Run("a user store failure", func(t *testing.T) {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/userinfo", 200, userInfoOK)
		claims := func(context.Context, string, []string) (map[string]any, error) { return nil, errors.New("db down") }
		got := answeredOf(t, serve(testFrontend(e).UserInfoHandler(claims), bearerGet()))
		if got.status != 500 || got.body != serverErrorBody || len(e.Calls()) != 1 {
			t.Errorf("answer = %+v", got)
		}
	})
}
