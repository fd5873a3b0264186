package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/authlete/authlete-go/dto"
	"github.com/authlete/authlete-go/types"

	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// Paths of the token APIs of the password grant.
const (
	pwToken = "/api/auth/token"
	pwIssue = "/api/auth/token/issue"
	pwFail  = "/api/auth/token/fail"
)

// pwPassword is the resource owner's password of these tests.
const pwPassword = "correct-horse-battery-staple"

// pwFixture is a router with a service that enables the password grant
// and a Basic client registered for it, driven through mgmt so that every
// answer is held against openapi.yaml.
type pwFixture struct {
	m           *mgmt
	key, secret string
	client      clientJSON
}

func newPWFixture(t *testing.T, m *mgmt) *pwFixture {
	t.Helper()
	var svc serviceJSON
	m.expect(m.json(http.MethodPost, "/api/service/create", mgmtAdminKey, mgmtAdminSecret,
		`{"serviceName":"Shop","issuer":"https://login.shop.example","supportedGrantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN","PASSWORD"]}`),
		http.StatusCreated, &svc)
	f := &pwFixture{m: m, key: fmt.Sprint(svc.APIKey), secret: svc.APISecret}
	f.client = m.newClient(f.key, f.secret, `{"clientName":"App","clientType":"CONFIDENTIAL","clientIdAlias":"app",`+
		`"grantTypes":["PASSWORD","REFRESH_TOKEN"],"responseTypes":[]}`)
	return f
}

// post sends a runtime call with the service's credentials and decodes its
// 200 answer into out, refusing fields out does not know.
func (f *pwFixture) post(path, contentType, body string, out any) {
	f.m.t.Helper()
	rec := f.m.call(http.MethodPost, path, f.key, f.secret, contentType, body)
	if rec.Code != http.StatusOK {
		f.m.t.Fatalf("%s: status %d, want 200; body %s", path, rec.Code, rec.Body)
	}
	dec := json.NewDecoder(strings.NewReader(rec.Body.String()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		f.m.t.Fatalf("%s: decode %s: %v", path, rec.Body, err)
	}
}

// token relays a token request the client made with HTTP Basic.
func (f *pwFixture) token(params url.Values) tokenJSON {
	f.m.t.Helper()
	body := url.Values{"parameters": {params.Encode()}, "clientId": {"app"}, "clientSecret": {f.client.ClientSecret}}
	var out tokenJSON
	f.post(pwToken, "application/x-www-form-urlencoded", body.Encode(), &out)
	return out
}

// password relays a valid password request and returns its ticket.
func (f *pwFixture) password(scope string) string {
	f.m.t.Helper()
	r := f.token(url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {pwPassword}, "scope": {scope}})
	if r.Action != "PASSWORD" || r.ResultCode != "G005002" || r.Ticket == "" || r.Username != "ada" || r.Password != pwPassword ||
		r.ResponseContent != "" || r.GrantType != "PASSWORD" || r.ClientID != f.client.ClientID {
		f.m.t.Fatalf("password request = %+v", r)
	}
	return r.Ticket
}

func (f *pwFixture) issue(body string) issuedJSON {
	f.m.t.Helper()
	var out issuedJSON
	f.post(pwIssue, "application/json", body, &out)
	return out
}

func (f *pwFixture) fail(contentType, body string) tokenFailJSON {
	f.m.t.Helper()
	var out tokenFailJSON
	f.post(pwFail, contentType, body, &out)
	return out
}

// pwError decodes an OAuth error answer.
func pwError(t *testing.T, content string) string {
	t.Helper()
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal([]byte(content), &e); err != nil {
		t.Fatalf("responseContent %q: %v", content, err)
	}
	return e.Error
}

// TestPasswordGrantThroughTheRouter walks the password grant as a frontend
// does: /token answers PASSWORD, the frontend checks the credentials, then
// /token/issue or /token/fail with the ticket.
func TestPasswordGrantThroughTheRouter(t *testing.T) {
	var logs strings.Builder
	m := &mgmt{t: t, e: New(Config{
		Engine: testEngine(t, memstore.New()), AdminKey: mgmtAdminKey, AdminSecret: mgmtAdminSecret,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})}
	f := newPWFixture(t, m)

	issued := f.issue(rtJSON(t, map[string]any{"ticket": f.password("openid profile"), "subject": "user-1",
		"properties": []map[string]any{{"key": "login", "value": "password"}}}))
	if issued.Action != "OK" || issued.ResultCode != "G005001" || issued.AccessToken == "" || issued.RefreshToken == "" ||
		issued.IDToken == "" || issued.Subject != "user-1" || issued.ClientID != f.client.ClientID || strings.Join(issued.Scopes, " ") != "openid profile" {
		t.Fatalf("issue = %+v", issued)
	}
	var resp map[string]any
	if err := json.Unmarshal([]byte(issued.ResponseContent), &resp); err != nil {
		t.Fatal(err)
	}
	if resp["access_token"] != issued.AccessToken || resp["refresh_token"] != issued.RefreshToken || resp["id_token"] != issued.IDToken {
		t.Errorf("token response %v", resp)
	}
	refreshed := f.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {issued.RefreshToken}})
	if refreshed.Action != "OK" || refreshed.Subject != "user-1" || refreshed.GrantType != "REFRESH_TOKEN" {
		t.Errorf("refresh = %+v", refreshed)
	}

	// The form body, and a ticket used twice.
	ticket := f.password("profile")
	form := url.Values{"ticket": {ticket}, "subject": {"user-2"}}.Encode()
	var again issuedJSON
	f.post(pwIssue, "application/x-www-form-urlencoded", form, &again)
	if again.Action != "OK" || again.RefreshToken == "" || again.IDToken != "" {
		t.Fatalf("form issue = %+v", again)
	}
	f.post(pwIssue, "application/x-www-form-urlencoded", form, &again)
	if again.Action != "BAD_REQUEST" || again.ResultCode != "G005202" || pwError(t, again.ResponseContent) != "invalid_request" {
		t.Errorf("second issue = %+v", again)
	}

	// Fail: an unknown reason leaves the ticket unused; a known one answers
	// the client's error and uses it up.
	ticket = f.password("profile")
	if r := f.fail("application/json", rtJSON(t, map[string]any{"ticket": ticket, "reason": "DENIED"})); r.Action != "BAD_REQUEST" || r.ResultCode != "G005206" {
		t.Errorf("fail with an unknown reason = %+v", r)
	}
	r := f.fail("application/x-www-form-urlencoded", url.Values{"ticket": {ticket}, "reason": {"INVALID_RESOURCE_OWNER_CREDENTIALS"}}.Encode())
	if r.Action != "BAD_REQUEST" || r.ResultCode != "G005003" || pwError(t, r.ResponseContent) != "invalid_grant" {
		t.Errorf("fail = %+v", r)
	}
	if r := f.issue(rtJSON(t, map[string]any{"ticket": ticket, "subject": "user-1"})); r.Action != "BAD_REQUEST" || r.ResultCode != "G005202" {
		t.Errorf("issue after fail = %+v", r)
	}

	// The frontend's mistakes.
	ticket = f.password("profile")
	if r := f.issue(rtJSON(t, map[string]any{"ticket": ticket})); r.Action != "BAD_REQUEST" || r.ResultCode != "G005204" {
		t.Errorf("issue without subject = %+v", r)
	}
	if r := f.issue(`{"ticket":"garbage","subject":"user-1"}`); r.Action != "BAD_REQUEST" || r.ResultCode != "G005201" {
		t.Errorf("issue with an unknown ticket = %+v", r)
	}
	if r := f.fail("application/json", `{"reason":"UNKNOWN"}`); r.Action != "BAD_REQUEST" || r.ResultCode != "G005201" {
		t.Errorf("fail without ticket = %+v", r)
	}
	// The API call itself.
	m.expect(m.call(http.MethodPost, pwIssue, f.key, f.secret, "application/x-www-form-urlencoded",
		url.Values{"ticket": {ticket}, "subject": {"user-1"}, "properties": {"x"}}.Encode()), http.StatusBadRequest, nil)
	m.expect(m.call(http.MethodPost, pwIssue, f.key, f.secret, "application/json", `{"ticket":{"$ne":""},"subject":"user-1"}`), http.StatusBadRequest, nil)
	m.expect(m.call(http.MethodPost, pwFail, f.key, f.secret, "text/plain", "ticket=x"), http.StatusBadRequest, nil)
	m.expect(m.call(http.MethodPost, pwIssue, f.key, "wrong", "application/json", `{}`), http.StatusUnauthorized, nil)
	m.expect(m.call(http.MethodPost, pwFail, f.key, "wrong", "application/json", `{}`), http.StatusUnauthorized, nil)
	// The ticket survived every refused call.
	if r := f.issue(rtJSON(t, map[string]any{"ticket": ticket, "subject": "user-1"})); r.Action != "OK" {
		t.Errorf("issue after the refused calls = %+v", r)
	}

	if !strings.Contains(logs.String(), `"route":"/api/auth/token/issue"`) {
		t.Fatalf("expected request logs, got %s", logs.String())
	}
	if strings.Contains(logs.String(), pwPassword) {
		t.Error("the log contains the password")
	}
}

// TestPasswordGrantOffThroughTheRouter is SECURITY T03 at the API: a
// service with the defaults refuses the grant.
func TestPasswordGrantOffThroughTheRouter(t *testing.T) {
	m := newMgmt(t, nil)
	key, secret := m.newService()
	c := m.newClient(key, secret, `{"clientName":"Batch","clientType":"CONFIDENTIAL","clientIdAlias":"batch","grantTypes":["CLIENT_CREDENTIALS"],"responseTypes":[]}`)
	f := &pwFixture{m: m, key: key, secret: secret}
	body := url.Values{"parameters": {"grant_type=password&username=ada&password=" + pwPassword}, "clientId": {"batch"}, "clientSecret": {c.ClientSecret}}
	var out tokenJSON
	f.post(pwToken, "application/x-www-form-urlencoded", body.Encode(), &out)
	if out.Action != "BAD_REQUEST" || out.ResultCode != "G005304" || pwError(t, out.ResponseContent) != "unsupported_grant_type" || out.Ticket != "" || out.Password != "" {
		t.Errorf("password on a default service = %+v", out)
	}
	// The management API refuses to register a client for it, too.
	m.expect(m.json(http.MethodPost, "/api/client/create", key, secret,
		`{"clientName":"App","clientType":"CONFIDENTIAL","grantTypes":["PASSWORD"],"responseTypes":[]}`), http.StatusBadRequest, nil)
}

// TestTicketKindsThroughTheRouter: a ticket of the authorization APIs is
// refused by the token APIs, and the other way round.
func TestTicketKindsThroughTheRouter(t *testing.T) {
	f := newPWFixture(t, newMgmt(t, nil))
	web := f.m.newClient(f.key, f.secret, `{"clientName":"Web","clientType":"CONFIDENTIAL","redirectUris":["https://shop.example/cb"]}`)
	authzTicket := func() string {
		params := url.Values{"response_type": {"code"}, "client_id": {fmt.Sprint(web.ClientID)}, "redirect_uri": {"https://shop.example/cb"}, "scope": {"openid"}}
		var a authorizationJSON
		f.post(rtAuthorization, "application/json", rtJSON(t, map[string]any{"parameters": params.Encode()}), &a)
		if a.Action != "INTERACTION" || a.Ticket == "" {
			t.Fatalf("authorization = %+v", a)
		}
		return a.Ticket
	}
	if r := f.issue(rtJSON(t, map[string]any{"ticket": authzTicket(), "subject": "user-1"})); r.Action != "BAD_REQUEST" || r.ResultCode != "G005201" || r.AccessToken != "" {
		t.Errorf("token issue with an authorization ticket = %+v", r)
	}
	if r := f.fail("application/json", rtJSON(t, map[string]any{"ticket": authzTicket(), "reason": "UNKNOWN"})); r.Action != "BAD_REQUEST" || r.ResultCode != "G005201" {
		t.Errorf("token fail with an authorization ticket = %+v", r)
	}
	var a authorizationJSON
	f.post(rtIssue, "application/json", rtJSON(t, map[string]any{"ticket": f.password("openid"), "subject": "user-1"}), &a)
	if a.Action != "BAD_REQUEST" || a.ResultCode != "G004201" || a.AuthorizationCode != "" {
		t.Errorf("authorization issue with a password ticket = %+v", a)
	}
}

// TestTokenIssueEngineFaults: an engine fault of /token/issue or /fail is
// action INTERNAL_SERVER_ERROR in a 200 and shows no cause; a store outage
// is a 503.
func TestTokenIssueEngineFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
	}{
		{"engine fault", errors.New("boom: disk on fire"), http.StatusOK},
		{"store outage", fmt.Errorf("dial: %w", store.ErrUnavailable), http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMgmt(t, rtFailingStore{Store: memstore.New(), err: tc.err})
			key, secret := m.newService()
			for _, call := range []struct{ path, body string }{
				{pwIssue, `{"ticket":"t","subject":"ada"}`},
				{pwFail, `{"ticket":"t","reason":"UNKNOWN"}`},
			} {
				rec := m.call(http.MethodPost, call.path, key, secret, "application/json", call.body)
				if rec.Code != tc.status || strings.Contains(rec.Body.String(), "boom") || strings.Contains(rec.Body.String(), "dial") {
					t.Fatalf("%s: %d %s, want %d without the cause", call.path, rec.Code, rec.Body, tc.status)
				}
				if tc.status != http.StatusOK {
					continue
				}
				var out tokenFailJSON
				if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
					t.Fatal(err)
				}
				if out.Action != "INTERNAL_SERVER_ERROR" || out.ResultCode != "G004101" || pwError(t, out.ResponseContent) != "server_error" {
					t.Errorf("%s: answer = %+v", call.path, out)
				}
			}
		})
	}
}

// TestTokenSchemasAreTight holds made-up answers against openapi.yaml: the
// token schemas must refuse what the engine must never answer.
func TestTokenSchemasAreTight(t *testing.T) {
	mustContract(t)
	password := `{"resultCode":"G005002","resultMessage":"[G005002] x","action":"PASSWORD","ticket":"t","username":"u","password":"p"}`
	ok := `{"resultCode":"G005001","resultMessage":"[G005001] x","action":"OK","responseContent":"{}","accessToken":"a","accessTokenExpiresAt":1,"accessTokenDuration":1,"clientId":1,"subject":"s"}`
	failed := `{"resultCode":"G005003","resultMessage":"[G005003] x","action":"BAD_REQUEST","responseContent":"{}"}`
	tests := []struct {
		name, path, body string
		wantErr          bool
	}{
		{"conforming PASSWORD", pwToken, password, false},
		{"conforming token OK", pwToken, strings.Replace(ok, `,"clientId":1,"subject":"s"`, "", 1), false},
		{"conforming issue", pwIssue, ok, false},
		{"conforming fail", pwFail, failed, false},
		{"PASSWORD without password", pwToken, strings.Replace(password, `,"password":"p"`, "", 1), true},
		{"PASSWORD without ticket", pwToken, strings.Replace(password, `"ticket":"t",`, "", 1), true},
		{"PASSWORD with responseContent", pwToken, strings.Replace(password, `"ticket"`, `"responseContent":"{}","ticket"`, 1), true},
		{"PASSWORD with another code", pwToken, strings.Replace(password, "G005002", "G005001", 1), true},
		{"OK with the password", pwToken, strings.Replace(ok, `"accessToken"`, `"password":"p","accessToken"`, 1), true},
		{"token code of another family", pwToken, strings.Replace(ok, "G005001", "G004001", 1), true},
		{"issue with PASSWORD", pwIssue, strings.Replace(ok, `"OK"`, `"PASSWORD"`, 1), true},
		{"issue OK without access token", pwIssue, strings.Replace(ok, `"accessToken":"a",`, "", 1), true},
		{"issue BAD_REQUEST with a token", pwIssue, strings.Replace(ok, `"OK"`, `"BAD_REQUEST"`, 1), true},
		{"issue with a ticket", pwIssue, strings.Replace(ok, `"accessToken"`, `"ticket":"t","accessToken"`, 1), true},
		{"fail OK", pwFail, strings.Replace(failed, `"BAD_REQUEST"`, `"OK"`, 1), true},
		{"fail without responseContent", pwFail, strings.Replace(failed, `,"responseContent":"{}"`, "", 1), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, tc.path, nil)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h := rec.Header()
			h.Set("Content-Type", "application/json")
			h.Set("X-Request-Id", "pw-1")
			h.Set("Cache-Control", "no-store")
			h.Set("Pragma", "no-cache")
			rec.WriteHeader(http.StatusOK)
			rec.Body.WriteString(tc.body)
			err := contractError(req, []byte(`{"ticket":"t","subject":"s","reason":"UNKNOWN","parameters":"x"}`), rec)
			if (err != nil) != tc.wantErr {
				t.Errorf("contract error = %v, want an error: %v", err, tc.wantErr)
			}
		})
	}
}

// TestPasswordGrantAuthleteGo drives the password grant with an unchanged
// Authlete client SDK: its TokenResponse, TokenIssueResponse and
// TokenFailResponse decode Gatehouse's answers with the right values.
func TestPasswordGrantAuthleteGo(t *testing.T) {
	f := newAuthleteFixture(t)
	body := strings.Replace(rtServiceBody, `"IMPLICIT"]`, `"IMPLICIT","PASSWORD"]`, 1)
	f.m.expect(f.m.json(http.MethodPost, "/api/service/update/"+f.key, mgmtAdminKey, mgmtAdminSecret, body), http.StatusOK, nil)
	c := f.m.newClient(f.key, f.secret, `{"clientName":"App","clientType":"CONFIDENTIAL","clientIdAlias":"app","grantTypes":["PASSWORD","REFRESH_TOKEN"],"responseTypes":[]}`)

	password := func() string {
		t.Helper()
		res, err := f.sdk.Token(&dto.TokenRequest{
			Parameters: url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {pwPassword}, "scope": {"openid"}}.Encode(),
			ClientId:   "app", ClientSecret: c.ClientSecret,
		})
		if err != nil {
			t.Fatalf("authlete-go Token: %v (cause %v)", err, err.Cause)
		}
		if res.Action != dto.TokenAction_PASSWORD || res.Ticket == "" || res.Username != "ada" || res.Password != pwPassword ||
			res.ClientId != uint64(c.ClientID) || res.GrantType != types.GrantType_PASSWORD {
			t.Fatalf("Token = %+v", res)
		}
		return res.Ticket
	}

	issued, err := f.sdk.TokenIssue(&dto.TokenIssueRequest{Ticket: password(), Subject: "user-1", Properties: []dto.Property{{Key: "k", Value: "v"}}})
	if err != nil {
		t.Fatalf("authlete-go TokenIssue: %v (cause %v)", err, err.Cause)
	}
	if issued.Action != dto.TokenIssueAction_OK || issued.ResultCode != "G005001" || issued.AccessToken == "" || issued.RefreshToken == "" ||
		issued.AccessTokenDuration != 3600 || issued.Subject != "user-1" || issued.ClientId != uint64(c.ClientID) || !slices.Equal(issued.Scopes, []string{"openid"}) {
		t.Errorf("TokenIssue = %+v", issued)
	}
	if claims := f.jwtClaims(t, pwTokenResponse(t, issued.ResponseContent)["id_token"].(string)); claims["sub"] != "user-1" {
		t.Errorf("ID token claims %v", claims)
	}

	failed, err := f.sdk.TokenFail(&dto.TokenFailRequest{Ticket: password(), Reason: dto.TokenFailReason_INVALID_RESOURCE_OWNER_CREDENTIALS})
	if err != nil {
		t.Fatalf("authlete-go TokenFail: %v (cause %v)", err, err.Cause)
	}
	if failed.Action != dto.TokenFailAction_BAD_REQUEST || failed.ResultCode != "G005003" || pwError(t, failed.ResponseContent) != "invalid_grant" {
		t.Errorf("TokenFail = %+v", failed)
	}
}

// pwTokenResponse decodes a token response (RFC 6749 §5.1).
func pwTokenResponse(t *testing.T, content string) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(content), &out); err != nil {
		t.Fatalf("token response %q: %v", content, err)
	}
	return out
}
