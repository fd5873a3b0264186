package gatehouse

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const tokenOK = `{"resultCode":"G005001","resultMessage":"m","action":"OK","responseContent":"{\"access_token\":\"at\",\"token_type\":\"Bearer\"}","accessToken":"at"}`

func TestTokenHandlerForwardsTheRequestAsItCame(t *testing.T) {
	e := newFakeEngine(t)
	e.reply("POST /api/auth/token", 200, tokenOK)
	body := "grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb"
	r := formRequest("POST", "/token", body)
	// RFC 6749 §2.3.1: the Basic credentials are form-urlencoded. The
	// engine decodes them, so they travel as they are.
	r.Header.Set("Authorization", "basic "+basic("my%20app", "s%2Bcr%3At"))
	rec := serve(testFrontend(e).TokenHandler(TokenOptions{}), r)

	assertCall(t, e.one(t), "POST", "/api/auth/token",
		`{"parameters":"grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb","clientId":"my%20app","clientSecret":"s%2Bcr%3At"}`)
	got := answeredOf(t, rec)
	if got.status != 200 || got.contentType != "application/json" || got.body != `{"access_token":"at","token_type":"Bearer"}` {
		t.Errorf("answer = %+v", got)
	}
}

func basic(id, secret string) string {
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth(id, secret)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

func TestTokenHandlerInvalidClient(t *testing.T) {
	const invalid = `{"resultCode":"G005306","resultMessage":"m","action":"INVALID_CLIENT","responseContent":"{\"error\":\"invalid_client\"}"}`
	t.Run("Basic is challenged", func(t *testing.T) {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/token", 200, invalid)
		r := formRequest("POST", "/token", "grant_type=client_credentials")
		r.SetBasicAuth("app", "wrong")
		got := answeredOf(t, serve(testFrontend(e).TokenHandler(TokenOptions{}), r))
		if got.status != 401 || got.authenticate != `Basic realm="example"` || got.body != `{"error":"invalid_client"}` {
			t.Errorf("answer = %+v", got)
		}
	})
	t.Run("client_secret_post is not", func(t *testing.T) {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/token", 200, invalid)
		r := formRequest("POST", "/token", "grant_type=client_credentials&client_id=app&client_secret=wrong")
		got := answeredOf(t, serve(testFrontend(e).TokenHandler(TokenOptions{}), r))
		if got.status != 401 || got.authenticate != "" || got.body != `{"error":"invalid_client"}` {
			t.Errorf("answer = %+v", got)
		}
		assertCall(t, e.one(t), "POST", "/api/auth/token", `{"parameters":"grant_type=client_credentials&client_id=app&client_secret=wrong"}`)
	})
	t.Run("undecodable Basic never reaches the engine", func(t *testing.T) {
		e := newFakeEngine(t)
		r := formRequest("POST", "/token", "grant_type=client_credentials")
		r.Header.Set("Authorization", "Basic !!not-base64")
		got := answeredOf(t, serve(testFrontend(e).TokenHandler(TokenOptions{}), r))
		if got.status != 401 || got.authenticate != `Basic realm="example"` || !strings.Contains(got.body, `"invalid_client"`) {
			t.Errorf("answer = %+v", got)
		}
		if n := len(e.Calls()); n != 0 {
			t.Errorf("engine calls = %d", n)
		}
	})
}

// TestTokenHandlerThrottled: the engine's TOO_MANY_REQUESTS becomes 429
// with Retry-After and the error body, at the token endpoint and at
// revocation alike.
func TestTokenHandlerThrottled(t *testing.T) {
	const throttled = `{"resultCode":"G005327","resultMessage":"m","action":"TOO_MANY_REQUESTS","retryAfter":42,"responseContent":"{\"error\":\"invalid_client\"}"}`
	for route, h := range map[string]func(*Frontend) http.Handler{
		"POST /api/auth/token":      func(f *Frontend) http.Handler { return f.TokenHandler(TokenOptions{}) },
		"POST /api/auth/revocation": func(f *Frontend) http.Handler { return f.RevocationHandler() },
	} {
		e := newFakeEngine(t)
		e.reply(route, 200, throttled)
		r := formRequest("POST", "/x", "grant_type=client_credentials&token=t")
		r.SetBasicAuth("app", "wrong")
		rec := serve(h(testFrontend(e)), r)
		got := answeredOf(t, rec)
		if got.status != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "42" || got.body != `{"error":"invalid_client"}` {
			t.Errorf("%s: answer = %+v, Retry-After %q", route, got, rec.Header().Get("Retry-After"))
		}
	}
}

func TestTokenHandlerPasswordGrant(t *testing.T) {
	const passwordAnswer = `{"resultCode":"G005002","resultMessage":"m","action":"PASSWORD","ticket":"pt","username":"ada","password":"correct horse","clientId":7}`
	const failAnswer = `{"resultCode":"G005003","resultMessage":"m","action":"BAD_REQUEST","responseContent":"{\"error\":\"invalid_grant\"}"}`
	cases := []struct {
		name      string
		check     func(ctx context.Context, username, password string) (string, bool, error)
		wantCall  string // the second engine call
		wantBody  string
		wantReply answered
	}{
		{
			name: "good credentials issue tokens",
			check: func(_ context.Context, username, password string) (string, bool, error) {
				if username != "ada" || password != "correct horse" {
					return "", false, nil
				}
				return "user-1234", true, nil
			},
			wantCall:  "/api/auth/token/issue",
			wantBody:  `{"ticket":"pt","subject":"user-1234"}`,
			wantReply: answered{status: 200, contentType: "application/json", body: `{"access_token":"at","token_type":"Bearer"}`},
		},
		{
			name:      "bad credentials fail with invalid_grant",
			check:     func(context.Context, string, string) (string, bool, error) { return "", false, nil },
			wantCall:  "/api/auth/token/fail",
			wantBody:  `{"ticket":"pt","reason":"INVALID_RESOURCE_OWNER_CREDENTIALS"}`,
			wantReply: answered{status: 400, contentType: "application/json", body: `{"error":"invalid_grant"}`},
		},
		{
			name:      "a user store failure fails the ticket",
			check:     func(context.Context, string, string) (string, bool, error) { return "", false, errors.New("ldap down") },
			wantCall:  "/api/auth/token/fail",
			wantBody:  `{"ticket":"pt","reason":"UNKNOWN"}`,
			wantReply: answered{status: 400, contentType: "application/json", body: `{"error":"invalid_grant"}`},
		},
		{
			name:      "ok without a subject is a bug, not a grant",
			check:     func(context.Context, string, string) (string, bool, error) { return "", true, nil },
			wantCall:  "/api/auth/token/fail",
			wantBody:  `{"ticket":"pt","reason":"UNKNOWN"}`,
			wantReply: answered{status: 400, contentType: "application/json", body: `{"error":"invalid_grant"}`},
		},
		{
			name:      "no checker fails the ticket",
			wantCall:  "/api/auth/token/fail",
			wantBody:  `{"ticket":"pt","reason":"UNKNOWN"}`,
			wantReply: answered{status: 400, contentType: "application/json", body: `{"error":"invalid_grant"}`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newFakeEngine(t)
			e.reply("POST /api/auth/token", 200, passwordAnswer)
			e.reply("POST /api/auth/token/issue", 200, tokenOK)
			e.reply("POST /api/auth/token/fail", 200, failAnswer)
			r := formRequest("POST", "/token", "grant_type=password&username=ada&password=correct+horse")
			r.SetBasicAuth("app", "s")
			got := answeredOf(t, serve(testFrontend(e).TokenHandler(TokenOptions{CheckPassword: tc.check}), r))
			calls := e.Calls()
			if len(calls) != 2 {
				t.Fatalf("engine calls = %v, want /token then %s", calls, tc.wantCall)
			}
			assertCall(t, calls[1], "POST", tc.wantCall, tc.wantBody)
			if got != tc.wantReply {
				t.Errorf("answer = %+v\nwant     %+v", got, tc.wantReply)
			}
		})
	}
}

func TestTokenHandlerJWTBearerGrant(t *testing.T) {
	const jwtAnswer = `{"resultCode":"G005004","resultMessage":"m","action":"JWT_BEARER","assertion":"eyJ.eyJ.sig",
		"assertionClaims":"{\"iss\":\"https://idp.example.com\",\"sub\":\"ada@example.com\"}","grantType":"JWT_BEARER","clientId":7,"scopes":["profile","email"]}`
	run := func(t *testing.T, opts TokenOptions, create string) (*fakeEngine, answered) {
		e := newFakeEngine(t)
		e.reply("POST /api/auth/token", 200, jwtAnswer)
		if create != "" {
			e.reply("POST /api/auth/token/create", 200, create)
		}
		r := formRequest("POST", "/token", "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJ.eyJ.sig")
		r.SetBasicAuth("app", "s")
		return e, answeredOf(t, serve(testFrontend(e).TokenHandler(opts), r))
	}

	t.Run("without a verifier the assertion is refused", func(t *testing.T) {
		e, got := run(t, TokenOptions{}, "")
		if got.status != 400 || got.body != assertionRefused || len(e.Calls()) != 1 {
			t.Errorf("answer = %+v after %d calls", got, len(e.Calls()))
		}
	})
	t.Run("a refused assertion mints nothing", func(t *testing.T) {
		e, got := run(t, TokenOptions{VerifyJWTBearer: func(context.Context, JWTBearerAssertion) (string, bool, error) { return "", false, nil }}, "")
		if got.status != 400 || got.body != assertionRefused || len(e.Calls()) != 1 {
			t.Errorf("answer = %+v after %d calls", got, len(e.Calls()))
		}
	})
	t.Run("a verified assertion gets a token", func(t *testing.T) {
		var seen JWTBearerAssertion
		verify := func(_ context.Context, a JWTBearerAssertion) (string, bool, error) {
			seen = a
			return "user-" + a.Claims["sub"].(string), true, nil
		}
		e, got := run(t, TokenOptions{VerifyJWTBearer: verify},
			`{"resultCode":"G009001","resultMessage":"m","action":"OK","accessToken":"at","tokenType":"Bearer","expiresIn":3600,
				"refreshToken":"rt","scopes":["profile","email"],"clientId":7}`)
		if seen.Assertion != "eyJ.eyJ.sig" || seen.ClientID != 7 || seen.Claims["iss"] != "https://idp.example.com" || len(seen.Scopes) != 2 {
			t.Errorf("the verifier saw %+v", seen)
		}
		calls := e.Calls()
		if len(calls) != 2 {
			t.Fatalf("calls = %v", calls)
		}
		assertCall(t, calls[1], "POST", "/api/auth/token/create",
			`{"grantType":"JWT_BEARER","clientId":7,"subject":"user-ada@example.com","scopes":["profile","email"]}`)
		if got.status != 200 || got.contentType != "application/json" {
			t.Errorf("answer = %+v", got)
		}
		// No refresh token, as the engine's own JWT bearer grant.
		assertJSON(t, got.body, `{"access_token":"at","token_type":"Bearer","expires_in":3600,"scope":"profile email"}`)
	})
	t.Run("a refused creation is a server error", func(t *testing.T) {
		_, got := run(t, TokenOptions{VerifyJWTBearer: func(context.Context, JWTBearerAssertion) (string, bool, error) { return "ada", true, nil }},
			`{"resultCode":"G009301","resultMessage":"m","action":"FORBIDDEN"}`)
		if got.status != 500 || got.body != serverErrorBody {
			t.Errorf("answer = %+v", got)
		}
	})
	t.Run("a verifier failure is a server error", func(t *testing.T) {
		e, got := run(t, TokenOptions{VerifyJWTBearer: func(context.Context, JWTBearerAssertion) (string, bool, error) {
			return "", false, errors.New("jwks unreachable")
		}}, "")
		if got.status != 500 || got.body != serverErrorBody || len(e.Calls()) != 1 {
			t.Errorf("answer = %+v", got)
		}
	})
}
