package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authlete/authlete-go/dto"
)

// resourceClientBody is a confidential client of the code flow that gets
// refresh tokens.
const resourceClientBody = `{"clientName":"App","clientType":"CONFIDENTIAL","clientIdAlias":"app",` +
	`"redirectUris":["https://shop.example/cb"],"grantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN"],"responseTypes":["CODE"]}`

// resourceTokens runs the code flow with scope "openid profile" for the
// client "app" of the fixture's service, entirely through authlete-go,
// and returns its access and refresh tokens.
func resourceTokens(t *testing.T, f *authleteFixture, app clientJSON) (at, rt string) {
	t.Helper()
	verifier := strings.Repeat("r", 43)
	res := f.authorize(t, url.Values{
		"response_type": {"code"}, "client_id": {"app"}, "redirect_uri": {rtRedirectURI},
		"scope": {"openid profile"}, "state": {"s-res"},
		"code_challenge": {rtS256(verifier)}, "code_challenge_method": {"S256"},
	}.Encode())
	issued, err := f.sdk.AuthorizationIssue(&dto.AuthorizationIssueRequest{
		Ticket: res.Ticket, Subject: "ada", AuthTime: uint64(time.Now().Add(-time.Minute).Unix()),
	})
	if err != nil {
		t.Fatalf("authlete-go AuthorizationIssue: %v (cause %v)", err, err.Cause)
	}
	if issued.Action != dto.AuthorizationIssueAction_LOCATION || issued.AuthorizationCode == "" {
		t.Fatalf("AuthorizationIssue = %+v", issued)
	}
	tok, err := f.sdk.Token(&dto.TokenRequest{
		Parameters: url.Values{"grant_type": {"authorization_code"}, "code": {issued.AuthorizationCode},
			"redirect_uri": {rtRedirectURI}, "code_verifier": {verifier}}.Encode(),
		ClientId: "app", ClientSecret: app.ClientSecret,
	})
	if err != nil {
		t.Fatalf("authlete-go Token: %v (cause %v)", err, err.Cause)
	}
	if tok.Action != dto.TokenAction_OK || tok.AccessToken == "" || tok.RefreshToken == "" ||
		tok.Subject != "ada" || tok.ClientId != uint64(app.ClientID) || !slices.Equal(tok.Scopes, []string{"openid", "profile"}) {
		t.Fatalf("Token = %+v", tok)
	}
	return tok.AccessToken, tok.RefreshToken
}

// standardIntrospect asks authlete-go's StandardIntrospection about token
// and returns the RFC 7662 response it carries.
func standardIntrospect(t *testing.T, f *authleteFixture, token string) string {
	t.Helper()
	res, err := f.sdk.StandardIntrospection(&dto.StandardIntrospectionRequest{Parameters: "token=" + url.QueryEscape(token)})
	if err != nil {
		t.Fatalf("authlete-go StandardIntrospection: %v (cause %v)", err, err.Cause)
	}
	if res.Action != dto.StandardIntrospectionAction_OK || res.ResultCode != "G006002" {
		t.Fatalf("StandardIntrospection = %+v", res)
	}
	return res.ResponseContent
}

// TestResourceAPIsEndToEnd takes tokens of the code flow through every
// resource API — introspection, standard introspection, UserInfo,
// UserInfo issue, revocation — with authlete-go's own methods, so that its
// DTOs are shown to decode every answer.
func TestResourceAPIsEndToEnd(t *testing.T) {
	f := newAuthleteFixture(t)
	app := f.m.newClient(f.key, f.secret, resourceClientBody)
	at, rt := resourceTokens(t, f, app)
	before := uint64(time.Now().UnixMilli())

	in, err := f.sdk.Introspection(&dto.IntrospectionRequest{Token: at, Scopes: []string{"profile"}, Subject: "ada"})
	if err != nil {
		t.Fatalf("authlete-go Introspection: %v (cause %v)", err, err.Cause)
	}
	if in.Action != dto.IntrospectionAction_OK || in.ResultCode != "G006001" || in.ClientId != uint64(app.ClientID) ||
		in.Subject != "ada" || !slices.Equal(in.Scopes, []string{"openid", "profile"}) ||
		!in.Existent || !in.Usable || !in.Sufficient || in.ExpiresAt <= before || in.ResponseContent != "" {
		t.Errorf("Introspection = %+v", in)
	}
	// A scope the token lacks, and another end-user: FORBIDDEN.
	for _, req := range []dto.IntrospectionRequest{{Token: at, Scopes: []string{"email"}}, {Token: at, Subject: "bob"}} {
		in, err := f.sdk.Introspection(&req)
		if err != nil {
			t.Fatalf("authlete-go Introspection: %v", err)
		}
		if in.Action != dto.IntrospectionAction_FORBIDDEN || !in.Usable || !strings.HasPrefix(in.ResponseContent, "Bearer ") {
			t.Errorf("Introspection %+v = %+v", req, in)
		}
	}

	var std struct {
		Active    bool   `json:"active"`
		Scope     string `json:"scope"`
		ClientID  string `json:"client_id"`
		Sub       string `json:"sub"`
		Exp       int64  `json:"exp"`
		Iss       string `json:"iss"`
		TokenType string `json:"token_type"`
	}
	for _, tc := range []struct{ token, tokenType string }{{at, "Bearer"}, {rt, ""}} {
		std.TokenType = ""
		if err := json.Unmarshal([]byte(standardIntrospect(t, f, tc.token)), &std); err != nil {
			t.Fatal(err)
		}
		if !std.Active || std.Scope != "openid profile" || std.ClientID != strconv.FormatInt(app.ClientID, 10) ||
			std.Sub != "ada" || std.Iss != rtIssuer || std.TokenType != tc.tokenType || std.Exp <= time.Now().Unix() {
			t.Errorf("standard introspection of the %q token = %+v", tc.tokenType, std)
		}
	}

	ui, err := f.sdk.UserInfo(&dto.UserInfoRequest{Token: at})
	if err != nil {
		t.Fatalf("authlete-go UserInfo: %v (cause %v)", err, err.Cause)
	}
	if ui.Action != dto.UserInfoAction_OK || ui.ResultCode != "G008001" || ui.ClientId != uint64(app.ClientID) ||
		ui.Subject != "ada" || !slices.Equal(ui.Scopes, []string{"openid", "profile"}) || !slices.Contains(ui.Claims, "name") ||
		slices.Contains(ui.Claims, "email") {
		t.Errorf("UserInfo = %+v", ui)
	}
	issued, err := f.sdk.UserInfoIssue(&dto.UserInfoIssueRequest{Token: at, Claims: `{"name":"Ada Lovelace","email":"ada@example.com"}`})
	if err != nil {
		t.Fatalf("authlete-go UserInfoIssue: %v (cause %v)", err, err.Cause)
	}
	var claims map[string]any
	if issued.Action != dto.UserInfoIssueAction_JSON || issued.ResultCode != "G008002" {
		t.Fatalf("UserInfoIssue = %+v", issued)
	}
	if err := json.Unmarshal([]byte(issued.ResponseContent), &claims); err != nil {
		t.Fatalf("UserInfo response %q: %v", issued.ResponseContent, err)
	}
	// email is not covered by "openid profile" (OIDC Core §5.4).
	if len(claims) != 2 || claims["sub"] != "ada" || claims["name"] != "Ada Lovelace" {
		t.Errorf("UserInfo response = %v", claims)
	}

	// The client revokes its refresh token, authenticating as it would at
	// the token endpoint: the whole grant goes (RFC 7009 §2.1).
	rv, err := f.sdk.Revocation(&dto.RevocationRequest{Parameters: "token=" + url.QueryEscape(rt) + "&token_type_hint=refresh_token",
		ClientId: "app", ClientSecret: app.ClientSecret})
	if err != nil {
		t.Fatalf("authlete-go Revocation: %v (cause %v)", err, err.Cause)
	}
	if rv.Action != dto.RevocationAction_OK || rv.ResultCode != "G007001" || rv.ResponseContent != "" {
		t.Fatalf("Revocation = %+v", rv)
	}

	in, err = f.sdk.Introspection(&dto.IntrospectionRequest{Token: at, Scopes: []string{"profile"}, Subject: "ada"})
	if err != nil {
		t.Fatalf("authlete-go Introspection: %v (cause %v)", err, err.Cause)
	}
	if in.Action != dto.IntrospectionAction_UNAUTHORIZED || in.ResultCode != "G006301" || in.Existent || in.Usable || in.Sufficient ||
		in.Subject != "" || in.ClientId != 0 || !strings.Contains(in.ResponseContent, `error="invalid_token"`) {
		t.Errorf("Introspection after revocation = %+v", in)
	}
	for name, token := range map[string]string{"access": at, "refresh": rt} {
		if got := standardIntrospect(t, f, token); got != `{"active":false}` {
			t.Errorf("standard introspection of the revoked %s token = %s", name, got)
		}
	}
	ui, err = f.sdk.UserInfo(&dto.UserInfoRequest{Token: at})
	if err != nil {
		t.Fatalf("authlete-go UserInfo: %v (cause %v)", err, err.Cause)
	}
	if ui.Action != dto.UserInfoAction_UNAUTHORIZED || ui.ResultCode != "G008301" || ui.Subject != "" ||
		!strings.Contains(ui.ResponseContent, `error="invalid_token"`) {
		t.Errorf("UserInfo after revocation = %+v", ui)
	}
	issued, err = f.sdk.UserInfoIssue(&dto.UserInfoIssueRequest{Token: at, Claims: `{"name":"Ada Lovelace"}`})
	if err != nil {
		t.Fatalf("authlete-go UserInfoIssue: %v (cause %v)", err, err.Cause)
	}
	if issued.Action != dto.UserInfoIssueAction_UNAUTHORIZED || strings.Contains(issued.ResponseContent, "Ada") {
		t.Errorf("UserInfoIssue after revocation = %+v", issued)
	}
}

// TestResourceAPIsTenantIsolation is SECURITY M05: tokens minted under
// service A, presented with service B's credentials to every resource API
// of B, are unknown there — and left intact at A.
func TestResourceAPIsTenantIsolation(t *testing.T) {
	f := newAuthleteFixture(t)
	app := f.m.newClient(f.key, f.secret, resourceClientBody)
	at, rt := resourceTokens(t, f, app)

	// Service B, created by the operator like A, with a client of the same
	// alias and the same grant types.
	var svcB serviceJSON
	f.m.expect(f.m.json(http.MethodPost, "/api/service/create", mgmtAdminKey, mgmtAdminSecret,
		strings.Replace(strings.Replace(rtServiceBody, `"Shop"`, `"Other shop"`, 1), rtIssuer, "https://login.other.example", 1)),
		http.StatusCreated, &svcB)
	keyB, secretB := strconv.FormatInt(svcB.APIKey, 10), svcB.APISecret
	appB := f.m.newClient(keyB, secretB, resourceClientBody)

	// post calls a runtime API of B; f.m.call holds it against openapi.yaml.
	post := func(path, contentType, body string, out any) {
		t.Helper()
		rec := f.m.call(http.MethodPost, path, keyB, secretB, contentType, body)
		f.m.expect(rec, http.StatusOK, out)
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control = %q", path, rec.Header().Get("Cache-Control"))
		}
	}
	jsonBody := func(v any) string { return rtJSON(t, v) }
	unknown := "unknown-" + strings.Repeat("x", 40)

	// Each answer of B about A's tokens is that of a token B never issued
	// (M10: nothing tells "exists elsewhere" from "does not exist").
	for name, token := range map[string]string{"access": at, "refresh": rt} {
		t.Run(name, func(t *testing.T) {
			var in, inUnknown introspectionJSON
			post("/api/auth/introspection", "application/json", jsonBody(map[string]any{"token": token, "scopes": []string{"openid"}}), &in)
			post("/api/auth/introspection", "application/json", jsonBody(map[string]any{"token": unknown, "scopes": []string{"openid"}}), &inUnknown)
			if in.Action != "UNAUTHORIZED" || in.Existent || in.Usable || in.Sufficient || in.ClientID != 0 || in.Subject != "" ||
				in.Scopes != nil || in.ExpiresAt != 0 || in.ResultCode != inUnknown.ResultCode || in.ResponseContent != inUnknown.ResponseContent {
				t.Errorf("introspection at B = %+v, of an unknown token %+v", in, inUnknown)
			}

			var std runtimeResultJSON
			post("/api/auth/introspection/standard", "application/json", jsonBody(map[string]string{"parameters": "token=" + url.QueryEscape(token)}), &std)
			if std.Action != "OK" || std.ResponseContent != `{"active":false}` {
				t.Errorf("standard introspection at B = %+v", std)
			}

			// B's client revokes A's token: a silent OK (RFC 7009 §2.2),
			// and nothing happens at A.
			var rv, rvUnknown runtimeResultJSON
			revoke := func(tok string, out *runtimeResultJSON) {
				post("/api/auth/revocation", "application/x-www-form-urlencoded", url.Values{
					"parameters": {"token=" + url.QueryEscape(tok)}, "clientId": {"app"}, "clientSecret": {appB.ClientSecret},
				}.Encode(), out)
			}
			revoke(token, &rv)
			revoke(unknown, &rvUnknown)
			if rv.Action != "OK" || rv.ResponseContent != "" || rv.ResultCode != rvUnknown.ResultCode {
				t.Errorf("revocation at B = %+v, of an unknown token %+v", rv, rvUnknown)
			}
			if got := standardIntrospect(t, f, token); !strings.HasPrefix(got, `{"active":true`) {
				t.Errorf("at A after B's revocation: %s", got)
			}

			var ui, uiUnknown userInfoJSON
			post("/api/auth/userinfo", "application/json", jsonBody(map[string]string{"token": token}), &ui)
			post("/api/auth/userinfo", "application/json", jsonBody(map[string]string{"token": unknown}), &uiUnknown)
			if ui.Action != "UNAUTHORIZED" || ui.Subject != "" || ui.ClientID != 0 || ui.Claims != nil ||
				ui.ResultCode != uiUnknown.ResultCode || ui.ResponseContent != uiUnknown.ResponseContent {
				t.Errorf("userinfo at B = %+v, of an unknown token %+v", ui, uiUnknown)
			}
			var uii, uiiUnknown runtimeResultJSON
			post("/api/auth/userinfo/issue", "application/json", jsonBody(map[string]string{"token": token, "claims": `{"name":"Ada Lovelace"}`}), &uii)
			post("/api/auth/userinfo/issue", "application/json", jsonBody(map[string]string{"token": unknown, "claims": `{"name":"Ada Lovelace"}`}), &uiiUnknown)
			if uii.Action != "UNAUTHORIZED" || strings.Contains(uii.ResponseContent, "Ada") ||
				uii.ResultCode != uiiUnknown.ResultCode || uii.ResponseContent != uiiUnknown.ResponseContent {
				t.Errorf("userinfo/issue at B = %+v, of an unknown token %+v", uii, uiiUnknown)
			}

			var tok, tokUnknown tokenJSON
			refresh := func(tok string, out *tokenJSON) {
				post("/api/auth/token", "application/x-www-form-urlencoded", url.Values{
					"parameters": {"grant_type=refresh_token&refresh_token=" + url.QueryEscape(tok)},
					"clientId":   {"app"}, "clientSecret": {appB.ClientSecret},
				}.Encode(), out)
			}
			refresh(token, &tok)
			refresh(unknown, &tokUnknown)
			var oerr struct {
				Error string `json:"error"`
			}
			_ = json.Unmarshal([]byte(tok.ResponseContent), &oerr)
			if tok.Action != "BAD_REQUEST" || oerr.Error != "invalid_grant" || tok.AccessToken != "" ||
				tok.ResultCode != tokUnknown.ResultCode || tok.ResponseContent != tokUnknown.ResponseContent {
				t.Errorf("refresh at B = %+v, of an unknown token %+v", tok, tokUnknown)
			}
		})
	}

	// Untouched at A: the access token serves, and the refresh token
	// refreshes (B's refused attempt did not spend its single use).
	in, err := f.sdk.Introspection(&dto.IntrospectionRequest{Token: at, Scopes: []string{"openid", "profile"}, Subject: "ada"})
	if err != nil {
		t.Fatalf("authlete-go Introspection: %v (cause %v)", err, err.Cause)
	}
	if in.Action != dto.IntrospectionAction_OK || in.ClientId != uint64(app.ClientID) {
		t.Errorf("Introspection at A = %+v", in)
	}
	ui, err := f.sdk.UserInfo(&dto.UserInfoRequest{Token: at})
	if err != nil {
		t.Fatalf("authlete-go UserInfo: %v (cause %v)", err, err.Cause)
	}
	if ui.Action != dto.UserInfoAction_OK || ui.Subject != "ada" {
		t.Errorf("UserInfo at A = %+v", ui)
	}
	tok, err := f.sdk.Token(&dto.TokenRequest{Parameters: "grant_type=refresh_token&refresh_token=" + url.QueryEscape(rt),
		ClientId: "app", ClientSecret: app.ClientSecret})
	if err != nil {
		t.Fatalf("authlete-go Token: %v (cause %v)", err, err.Cause)
	}
	if tok.Action != dto.TokenAction_OK || tok.AccessToken == "" || tok.AccessToken == at || tok.RefreshToken == "" ||
		tok.Subject != "ada" || tok.ClientId != uint64(app.ClientID) {
		t.Errorf("refresh at A = %+v", tok)
	}
}
