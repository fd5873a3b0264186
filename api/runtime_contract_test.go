package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// Paths of the runtime authorization APIs.
const (
	rtAuthorization = "/api/auth/authorization"
	rtIssue         = "/api/auth/authorization/issue"
	rtFail          = "/api/auth/authorization/fail"
)

// Bodies of the service and client the runtime tests use: a service that
// offers the hybrid response type (IMPLICIT grant), and a confidential web
// client registered for code and code id_token.
const (
	rtServiceBody = `{"serviceName":"Shop","issuer":"https://login.shop.example",` +
		`"supportedGrantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN","IMPLICIT"],` +
		`"supportedResponseTypes":["CODE","CODE_ID_TOKEN"],` +
		`"supportedScopes":[{"name":"openid","description":"Sign you in","defaultEntry":true},{"name":"profile","description":"Your profile"},{"name":"email"}]}`
	rtClientBody = `{"clientName":"Web","clientType":"CONFIDENTIAL","clientIdAlias":"web","logoUri":"https://shop.example/logo.png",` +
		`"redirectUris":["https://shop.example/cb"],"grantTypes":["AUTHORIZATION_CODE","IMPLICIT"],"responseTypes":["CODE","CODE_ID_TOKEN"]}`
	rtIssuer      = "https://login.shop.example"
	rtRedirectURI = "https://shop.example/cb"
)

// rtFixture is a router with one service and one client, driven through
// mgmt so that every answer is held against openapi.yaml.
type rtFixture struct {
	m           *mgmt
	key, secret string
	apiKey      int64
	client      clientJSON
}

func newRTFixture(t *testing.T, st store.Store) *rtFixture {
	t.Helper()
	m := newMgmt(t, st)
	var svc serviceJSON
	m.expect(m.json(http.MethodPost, "/api/service/create", mgmtAdminKey, mgmtAdminSecret, rtServiceBody), http.StatusCreated, &svc)
	key, secret := strconv.FormatInt(svc.APIKey, 10), svc.APISecret
	return &rtFixture{m: m, key: key, secret: secret, apiKey: svc.APIKey, client: m.newClient(key, secret, rtClientBody)}
}

// post sends a runtime call with the service's credentials.
func (f *rtFixture) post(path, contentType, body string) *httptest.ResponseRecorder {
	f.m.t.Helper()
	return f.m.call(http.MethodPost, path, f.key, f.secret, contentType, body)
}

// answer checks that rec is a 200 runtime answer and decodes it strictly.
func (f *rtFixture) answer(rec *httptest.ResponseRecorder) authorizationJSON {
	f.m.t.Helper()
	if rec.Code != http.StatusOK {
		f.m.t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
	}
	dec := json.NewDecoder(strings.NewReader(rec.Body.String()))
	dec.DisallowUnknownFields()
	var out authorizationJSON
	if err := dec.Decode(&out); err != nil {
		f.m.t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return out
}

// authorize sends parameters as a JSON /auth/authorization call.
func (f *rtFixture) authorize(parameters string) authorizationJSON {
	f.m.t.Helper()
	return f.answer(f.post(rtAuthorization, "application/json", rtJSON(f.m.t, map[string]any{"parameters": parameters})))
}

// ticket runs an authorization request that must need interaction and
// returns its ticket.
func (f *rtFixture) ticket(parameters string) string {
	f.m.t.Helper()
	a := f.authorize(parameters)
	if a.Action != "INTERACTION" && a.Action != "NO_INTERACTION" {
		f.m.t.Fatalf("authorization action = %s (%s), want an interaction", a.Action, a.ResultMessage)
	}
	return a.Ticket
}

func rtJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rtParams builds an authorization request for the fixture's client.
func rtParams(extra ...string) string {
	v := url.Values{
		"response_type": {"code"},
		"client_id":     {"web"},
		"redirect_uri":  {rtRedirectURI},
		"scope":         {"openid profile"},
		"state":         {"st-123"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v.Encode()
}

// rtRedirect parses a LOCATION answer: it must go to the registered
// redirect URI and carry the response in its query (or fragment).
func rtRedirect(t *testing.T, loc string, fragment bool) url.Values {
	t.Helper()
	sep := "?"
	if fragment {
		sep = "#"
	}
	rest, ok := strings.CutPrefix(loc, rtRedirectURI+sep)
	if !ok {
		t.Fatalf("LOCATION %q does not go to %s with a %s", loc, rtRedirectURI, sep)
	}
	v, err := url.ParseQuery(rest)
	if err != nil {
		t.Fatalf("LOCATION %q: %v", loc, err)
	}
	if v.Get("iss") != rtIssuer {
		t.Errorf("LOCATION %q: iss = %q, want %q (RFC 9207)", loc, v.Get("iss"), rtIssuer)
	}
	return v
}

var (
	rtFormAction = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	rtFormInput  = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// rtFormPost parses a FORM answer: it must post to the registered redirect
// URI.
func rtFormPost(t *testing.T, page string) url.Values {
	t.Helper()
	m := rtFormAction.FindStringSubmatch(page)
	if m == nil || html.UnescapeString(m[1]) != rtRedirectURI {
		t.Fatalf("FORM does not post to %s:\n%s", rtRedirectURI, page)
	}
	v := url.Values{}
	for _, in := range rtFormInput.FindAllStringSubmatch(page, -1) {
		v.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	if v.Get("iss") != rtIssuer {
		t.Errorf("FORM: iss = %q, want %q", v.Get("iss"), rtIssuer)
	}
	return v
}

// rtOAuthError decodes the RFC 6749 error object of a BAD_REQUEST.
func rtOAuthError(t *testing.T, content string) (code, description string) {
	t.Helper()
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal([]byte(content), &e); err != nil {
		t.Fatalf("responseContent %q is not an RFC 6749 error object: %v", content, err)
	}
	return e.Error, e.Description
}

// TestRuntimeContract drives the three runtime routes through the real
// router with JSON and form bodies; mgmt.call holds every answer against
// openapi.yaml.
func TestRuntimeContract(t *testing.T) {
	f := newRTFixture(t, nil)
	form := "application/x-www-form-urlencoded"

	t.Run("INTERACTION, JSON", func(t *testing.T) {
		a := f.authorize(rtParams("nonce", "n-1", "display", "popup", "max_age", "0", "ui_locales", "fr en",
			"claims_locales", "fr", "login_hint", "ada@example.com", "acr_values", "urn:acr:1 urn:acr:2", "prompt", "login consent",
			"code_challenge", strings.Repeat("a", 43), "code_challenge_method", "S256"))
		if a.Action != "INTERACTION" || a.ResultCode != "G004001" || !strings.HasPrefix(a.ResultMessage, "[G004001] ") {
			t.Fatalf("answer = %+v", a)
		}
		if len(a.Ticket) < 43 || a.ResponseContent != "" {
			t.Errorf("ticket %q, responseContent %q", a.Ticket, a.ResponseContent)
		}
		if a.Client == nil || a.Client.ClientID != f.client.ClientID || a.Client.ClientIDAlias != "web" || a.Client.ClientName != "Web" ||
			a.Client.ClientType != "CONFIDENTIAL" || a.Client.ApplicationType != "WEB" || a.Client.LogoURI != "https://shop.example/logo.png" {
			t.Errorf("client = %+v", a.Client)
		}
		if a.Service == nil || a.Service.APIKey != f.apiKey || a.Service.Issuer != rtIssuer || a.Service.ServiceName != "Shop" {
			t.Errorf("service = %+v", a.Service)
		}
		var scopes []string
		for _, s := range a.Scopes {
			scopes = append(scopes, s.Name)
		}
		checks := []struct {
			name      string
			got, want any
		}{
			{"clientIdAliasUsed", a.ClientIDAliasUsed, true},
			{"display", a.Display, "POPUP"},
			{"maxAge", fmt.Sprint(a.MaxAge != nil && *a.MaxAge == 0), "true"},
			{"scopes", scopes, []string{"openid", "profile"}},
			{"scopes[0].description", a.Scopes[0].Description, "Sign you in"},
			{"acrs", a.ACRs, []string{"urn:acr:1", "urn:acr:2"}},
			{"loginHint", a.LoginHint, "ada@example.com"},
			{"prompts", a.Prompts, []string{"LOGIN", "CONSENT"}},
			{"uiLocales", a.UILocales, []string{"fr", "en"}},
			{"claimsLocales", a.ClaimsLocales, []string{"fr"}},
			{"responseType", a.ResponseType, "CODE"},
			{"redirectUri", a.RedirectURI, rtRedirectURI},
			{"state", a.State, "st-123"},
			{"claims has name", slices.Contains(a.Claims, "name"), true},
		}
		for _, c := range checks {
			if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
				t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
			}
		}
	})

	t.Run("NO_INTERACTION, form body", func(t *testing.T) {
		body := url.Values{"parameters": {rtParams("prompt", "none")}, "context": {"frontend-context"}}.Encode()
		a := f.answer(f.post(rtAuthorization, form, body))
		if a.Action != "NO_INTERACTION" || a.ResultCode != "G004002" || a.Ticket == "" || a.Client == nil {
			t.Fatalf("answer = %+v", a)
		}
		if !slices.Equal(a.Prompts, []string{"NONE"}) {
			t.Errorf("prompts = %v", a.Prompts)
		}
	})

	t.Run("unknown fields are ignored", func(t *testing.T) {
		body := rtJSON(t, map[string]any{"parameters": rtParams(), "context": "c", "requestObjectPayload": map[string]any{"x": 1}, "futureField": []int{1}})
		if a := f.answer(f.post(rtAuthorization, "application/json;charset=UTF-8", body)); a.Action != "INTERACTION" {
			t.Errorf("answer = %+v", a)
		}
	})

	t.Run("BAD_REQUEST, unknown client", func(t *testing.T) {
		a := f.authorize(rtParams("client_id", "nobody"))
		if a.Action != "BAD_REQUEST" || a.ResultCode != "G004303" || a.Ticket != "" || a.Client != nil {
			t.Fatalf("answer = %+v", a)
		}
		if code, desc := rtOAuthError(t, a.ResponseContent); code != "invalid_client" || !strings.HasPrefix(desc, "[G004303]") {
			t.Errorf("responseContent = %s", a.ResponseContent)
		}
	})

	t.Run("BAD_REQUEST, no parameters", func(t *testing.T) {
		a := f.answer(f.post(rtAuthorization, "application/json", `{}`))
		if a.Action != "BAD_REQUEST" || a.ResultCode != "G004302" {
			t.Fatalf("answer = %+v", a)
		}
	})

	t.Run("LOCATION, error to the redirect URI", func(t *testing.T) {
		a := f.authorize(rtParams("response_type", "code id_token")) // no nonce
		if a.Action != "LOCATION" || a.ResultCode != "G004323" {
			t.Fatalf("answer = %+v", a)
		}
		v := rtRedirect(t, a.ResponseContent, true) // the hybrid flow answers in the fragment
		if v.Get("error") != "invalid_request" || v.Get("state") != "st-123" || !strings.HasPrefix(v.Get("error_description"), "[G004323]") {
			t.Errorf("response = %v", v)
		}
	})

	t.Run("issue, LOCATION", func(t *testing.T) {
		ticket := f.ticket(rtParams())
		body := rtJSON(t, map[string]any{
			"ticket": ticket, "subject": "ada", "authTime": time.Now().Add(-time.Minute).Unix(), "acr": "urn:acr:1",
			"claims": `{"name":"Ada Lovelace"}`, "scopes": []string{"openid"},
			"properties":      []map[string]any{{"key": "plan", "value": "gold", "hidden": true}},
			"idtHeaderParams": `{"x":1}`, "consentedClaims": []string{"name"}, // Authlete fields Gatehouse ignores
		})
		a := f.answer(f.post(rtIssue, "application/json", body))
		if a.Action != "LOCATION" || a.ResultCode != "G004003" || a.AuthorizationCode == "" {
			t.Fatalf("answer = %+v", a)
		}
		v := rtRedirect(t, a.ResponseContent, false)
		if v.Get("code") != a.AuthorizationCode || v.Get("state") != "st-123" {
			t.Errorf("response = %v, authorizationCode %q", v, a.AuthorizationCode)
		}
		if a.IDToken != "" || a.AccessToken != "" || a.Ticket != "" || a.Client != nil {
			t.Errorf("a code response carries more: %+v", a)
		}

		again := f.answer(f.post(rtIssue, "application/json", body))
		if again.Action != "BAD_REQUEST" || again.ResultCode != "G004202" {
			t.Errorf("a reused ticket: %+v", again)
		}
	})

	t.Run("issue, hybrid LOCATION in the fragment", func(t *testing.T) {
		ticket := f.ticket(rtParams("response_type", "code id_token", "nonce", "n-2"))
		a := f.answer(f.post(rtIssue, "application/json", rtJSON(t, map[string]any{"ticket": ticket, "subject": "ada"})))
		if a.Action != "LOCATION" || a.AuthorizationCode == "" || a.IDToken == "" {
			t.Fatalf("answer = %+v", a)
		}
		v := rtRedirect(t, a.ResponseContent, true)
		if v.Get("code") != a.AuthorizationCode || v.Get("id_token") != a.IDToken {
			t.Errorf("response = %v", v)
		}
	})

	t.Run("issue, FORM from a form body", func(t *testing.T) {
		ticket := f.ticket(rtParams("response_mode", "form_post"))
		body := url.Values{"ticket": {ticket}, "subject": {"ada"}, "scopes": {"openid profile"}, "sub": {"pairwise-1"}, "unknown": {"x"}}.Encode()
		a := f.answer(f.post(rtIssue, form, body))
		if a.Action != "FORM" || a.ResultCode != "G004003" {
			t.Fatalf("answer = %+v", a)
		}
		v := rtFormPost(t, a.ResponseContent)
		if v.Get("code") != a.AuthorizationCode || v.Get("state") != "st-123" {
			t.Errorf("posted = %v", v)
		}
	})

	t.Run("issue, BAD_REQUEST for the frontend's mistake", func(t *testing.T) {
		ticket := f.ticket(rtParams())
		for name, tc := range map[string]struct{ body, code string }{
			"no subject":       {rtJSON(t, map[string]any{"ticket": ticket}), "G004204"},
			"subject too long": {rtJSON(t, map[string]any{"ticket": ticket, "subject": strings.Repeat("a", 256)}), "G004204"},
			"future authTime":  {rtJSON(t, map[string]any{"ticket": ticket, "subject": "ada", "authTime": time.Now().Add(time.Hour).Unix()}), "G004209"},
			"claims not JSON":  {rtJSON(t, map[string]any{"ticket": ticket, "subject": "ada", "claims": "name=Ada"}), "G004205"},
			"reserved claim":   {rtJSON(t, map[string]any{"ticket": ticket, "subject": "ada", "claims": `{"nonce":"x"}`}), "G004206"},
			"no ticket":        {`{"subject":"ada"}`, "G004201"},
		} {
			if a := f.answer(f.post(rtIssue, "application/json", tc.body)); a.Action != "BAD_REQUEST" || a.ResultCode != tc.code {
				t.Errorf("%s: answer = %+v, want BAD_REQUEST %s", name, a, tc.code)
			}
		}
		// The mistakes did not use the ticket up. (A scope that was not
		// requested, G004207, can only be found once the ticket is read, and
		// uses it up.)
		if a := f.answer(f.post(rtIssue, "application/json", rtJSON(t, map[string]any{"ticket": ticket, "subject": "ada"}))); a.Action != "LOCATION" {
			t.Errorf("after the mistakes: %+v", a)
		}
		ticket = f.ticket(rtParams())
		wider := rtJSON(t, map[string]any{"ticket": ticket, "subject": "ada", "scopes": []string{"openid", "email"}})
		if a := f.answer(f.post(rtIssue, "application/json", wider)); a.Action != "BAD_REQUEST" || a.ResultCode != "G004207" {
			t.Errorf("wider scopes: answer = %+v", a)
		}
	})

	t.Run("fail, LOCATION", func(t *testing.T) {
		ticket := f.ticket(rtParams("prompt", "none"))
		a := f.answer(f.post(rtFail, "application/json", rtJSON(t, map[string]any{"ticket": ticket, "reason": "NOT_LOGGED_IN"})))
		if a.Action != "LOCATION" || a.ResultCode != "G004004" {
			t.Fatalf("answer = %+v", a)
		}
		if v := rtRedirect(t, a.ResponseContent, false); v.Get("error") != "login_required" || v.Get("state") != "st-123" {
			t.Errorf("response = %v", v)
		}
	})

	t.Run("fail, form body", func(t *testing.T) {
		ticket := f.ticket(rtParams())
		body := url.Values{"ticket": {ticket}, "reason": {"DENIED"}, "description": {"the user said no"}}.Encode()
		a := f.answer(f.post(rtFail, form, body))
		if a.Action != "LOCATION" {
			t.Fatalf("answer = %+v", a)
		}
		if v := rtRedirect(t, a.ResponseContent, false); v.Get("error") != "access_denied" || !strings.Contains(v.Get("error_description"), "the user said no") {
			t.Errorf("response = %v", v)
		}
	})

	t.Run("fail, BAD_REQUEST", func(t *testing.T) {
		for name, body := range map[string]string{
			"unknown reason": rtJSON(t, map[string]any{"ticket": "x", "reason": "NOPE"}),
			"unknown ticket": rtJSON(t, map[string]any{"ticket": "x", "reason": "DENIED"}),
		} {
			if a := f.answer(f.post(rtFail, "application/json", body)); a.Action != "BAD_REQUEST" || !strings.HasPrefix(a.ResultCode, "G0042") {
				t.Errorf("%s: answer = %+v", name, a)
			}
		}
	})

	// The call itself is wrong: non-2xx with an Error body.
	for _, tc := range []struct {
		name, path, contentType, body string
		status                        int
		code                          string
	}{
		{"400 not JSON", rtAuthorization, "application/json", `{"parameters":`, 400, "G000201"},
		{"400 two objects", rtAuthorization, "application/json", `{}{}`, 400, "G000201"},
		{"400 an array", rtIssue, "application/json", `[]`, 400, "G000201"},
		{"400 text/plain", rtAuthorization, "text/plain", `parameters=x`, 400, "G000201"},
		{"400 no Content-Type", rtFail, "", `{}`, 400, "G000201"},
		{"400 bad form encoding", rtAuthorization, form, `parameters=%zz`, 400, "G000201"},
		{"400 D01 operator as parameters", rtAuthorization, "application/json", `{"parameters":{"$ne":""}}`, 400, "G000202"},
		{"400 number as ticket", rtFail, "application/json", `{"ticket":1,"reason":"DENIED"}`, 400, "G000202"},
		{"400 repeated form field", rtIssue, form, `ticket=a&ticket=b&subject=ada`, 400, "G000202"},
		{"400 properties in a form", rtIssue, form, `ticket=a&subject=ada&properties=x`, 400, "G000202"},
		{"400 authTime not a number", rtIssue, form, `ticket=a&subject=ada&authTime=yesterday`, 400, "G000202"},
		{"413 over 64 KiB", rtAuthorization, "application/json", `{"parameters":"` + strings.Repeat("a", 64<<10) + `"}`, 413, "G000204"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.post(tc.path, tc.contentType, tc.body)
			var body errorBody
			f.m.expect(rec, tc.status, &body)
			if body.ResultCode != tc.code {
				t.Errorf("resultCode = %s, want %s (%s)", body.ResultCode, tc.code, body.ResultMessage)
			}
		})
	}

	for _, tc := range []struct{ name, key, secret string }{
		{"401 no credentials", "", ""},
		{"401 wrong secret", f.key, f.secret + "x"},
		{"401 operator credentials", mgmtAdminKey, mgmtAdminSecret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.m.call(http.MethodPost, rtAuthorization, tc.key, tc.secret, "application/json", rtJSON(t, map[string]any{"parameters": rtParams()}))
			var body errorBody
			f.m.expect(rec, http.StatusUnauthorized, &body)
			if body.ResultCode != "G000203" || rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("answer = %+v, WWW-Authenticate %q", body, rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

// rtFailingStore is a memstore whose ticket calls fail with err.
type rtFailingStore struct {
	store.Store
	err error
}

func (s rtFailingStore) CreateTicket(context.Context, store.Ticket) error { return s.err }
func (s rtFailingStore) ConsumeTicket(context.Context, int64, string) (store.Ticket, error) {
	return store.Ticket{}, s.err
}

// TestRuntimeEngineFaults: an engine fault is action INTERNAL_SERVER_ERROR
// in a 200 and shows no cause; a store outage is a 503 with Retry-After.
func TestRuntimeEngineFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
	}{
		{"engine fault", errors.New("boom: disk on fire"), http.StatusOK},
		{"store outage", fmt.Errorf("dial: %w", store.ErrUnavailable), http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRTFixture(t, rtFailingStore{Store: memstore.New(), err: tc.err})
			for _, call := range []struct{ path, body string }{
				{rtAuthorization, rtJSON(t, map[string]any{"parameters": rtParams()})},
				{rtIssue, `{"ticket":"t","subject":"ada"}`},
				{rtFail, `{"ticket":"t","reason":"DENIED"}`},
			} {
				rec := f.post(call.path, "application/json", call.body)
				if rec.Code != tc.status {
					t.Fatalf("%s: status %d, want %d; %s", call.path, rec.Code, tc.status, rec.Body)
				}
				if strings.Contains(rec.Body.String(), "boom") || strings.Contains(rec.Body.String(), "dial") {
					t.Errorf("%s: the answer shows the cause: %s", call.path, rec.Body)
				}
				if tc.status != http.StatusOK {
					if rec.Header().Get("Retry-After") == "" {
						t.Errorf("%s: 503 without Retry-After", call.path)
					}
					continue
				}
				a := f.answer(rec)
				if a.Action != "INTERNAL_SERVER_ERROR" || a.ResultCode != "G004101" {
					t.Errorf("%s: answer = %+v", call.path, a)
				}
				if code, _ := rtOAuthError(t, a.ResponseContent); code != "server_error" {
					t.Errorf("%s: responseContent = %s", call.path, a.ResponseContent)
				}
			}
		})
	}
}

// TestRuntimeSchemasAreTight holds made-up answers against openapi.yaml: the
// runtime schemas must refuse what the engine must never answer, or the
// contract tests above would prove little.
func TestRuntimeSchemasAreTight(t *testing.T) {
	mustContract(t)
	interaction := `{"resultCode":"G004001","resultMessage":"[G004001] x","action":"INTERACTION","ticket":"t",` +
		`"client":{"clientId":1,"clientIdAliasEnabled":false,"clientName":"x","clientType":"PUBLIC","applicationType":"WEB"},` +
		`"service":{"apiKey":1,"serviceName":"x","issuer":"https://x.example"},"responseType":"CODE","redirectUri":"https://x.example/cb"}`
	badRequest := `{"resultCode":"G004303","resultMessage":"[G004303] x","action":"BAD_REQUEST","responseContent":"{}"}`
	issued := `{"resultCode":"G004003","resultMessage":"[G004003] x","action":"LOCATION","responseContent":"https://x.example/cb?code=c","authorizationCode":"c"}`
	failed := `{"resultCode":"G004004","resultMessage":"[G004004] x","action":"LOCATION","responseContent":"https://x.example/cb?error=access_denied"}`
	tests := []struct {
		name, path, body string
		wantErr          bool
	}{
		{"conforming INTERACTION", rtAuthorization, interaction, false},
		{"conforming BAD_REQUEST", rtAuthorization, badRequest, false},
		{"conforming issue", rtIssue, issued, false},
		{"conforming fail", rtFail, failed, false},
		{"INTERACTION without ticket", rtAuthorization, strings.Replace(interaction, `"ticket":"t",`, "", 1), true},
		{"INTERACTION with responseContent", rtAuthorization, strings.Replace(interaction, `"ticket":"t",`, `"ticket":"t","responseContent":"x",`, 1), true},
		{"BAD_REQUEST without responseContent", rtAuthorization, strings.Replace(badRequest, `,"responseContent":"{}"`, "", 1), true},
		{"BAD_REQUEST with a ticket", rtAuthorization, strings.Replace(badRequest, `"action"`, `"ticket":"t","action"`, 1), true},
		{"wire-string prompt", rtAuthorization, strings.Replace(interaction, `"ticket":"t",`, `"ticket":"t","prompts":["none"],`, 1), true},
		{"undocumented field", rtAuthorization, strings.Replace(interaction, `"ticket":"t",`, `"ticket":"t","nonce":"n",`, 1), true},
		{"result code of another family", rtAuthorization, strings.Replace(badRequest, "G004303", "G000201", 1), true},
		{"issue with INTERACTION", rtIssue, strings.Replace(issued, `"LOCATION"`, `"INTERACTION"`, 1), true},
		{"issue LOCATION with the wrong code", rtIssue, strings.Replace(issued, `"G004003"`, `"G004001"`, 1), true},
		{"issue BAD_REQUEST with a code", rtIssue, strings.Replace(issued, `"LOCATION"`, `"BAD_REQUEST"`, 1), true},
		{"access token without expiry", rtIssue, strings.Replace(issued, `"authorizationCode"`, `"accessToken":"a","authorizationCode"`, 1), true},
		{"fail LOCATION with the issue code", rtFail, strings.Replace(failed, `"G004004"`, `"G004003"`, 1), true},
		{"fail with a code", rtFail, strings.Replace(failed, `"action"`, `"authorizationCode":"c","action"`, 1), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reqBody := []byte(`{"parameters":"x","ticket":"t"}`)
			req := httptest.NewRequest(http.MethodPost, tc.path, nil)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h := rec.Header()
			h.Set("Content-Type", "application/json")
			h.Set("X-Request-Id", "rt-1")
			h.Set("Cache-Control", "no-store")
			h.Set("Pragma", "no-cache")
			rec.WriteHeader(http.StatusOK)
			rec.Body.WriteString(tc.body)
			err := contractError(req, reqBody, rec)
			if (err != nil) != tc.wantErr {
				t.Errorf("contract error = %v, want an error: %v", err, tc.wantErr)
			}
		})
	}
}
