package service

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// authzFixture is a service with every response type and one confidential
// client registered for all of them.
func authzFixture(t *testing.T) (*Engine, store.Service, store.Client) {
	t.Helper()
	e := newTestEngine(t)
	in := testService()
	in.SupportedGrantTypes = append(in.SupportedGrantTypes, oauth.GrantImplicit)
	in.SupportedResponseTypes = []string{oauth.ResponseNone, oauth.ResponseCode, oauth.ResponseToken, oauth.ResponseIDToken,
		oauth.ResponseCodeToken, oauth.ResponseCodeIDToken, oauth.ResponseIDTokenToken, oauth.ResponseCodeIDTokenToken}
	svc, _, err := e.CreateService(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	c := testClient(oauth.ClientConfidential)
	c.GrantTypes = []string{oauth.GrantAuthorizationCode, oauth.GrantImplicit}
	c.ResponseTypes = svc.SupportedResponseTypes
	c, _, err = e.CreateClient(context.Background(), svc, c)
	if err != nil {
		t.Fatal(err)
	}
	return e, svc, c
}

// TestIssuedCodeIsBoundToTheRequest checks what the token endpoint will rely
// on: the stored code carries the client, redirect URI, PKCE challenge,
// nonce, scopes, subject, auth_time, acr and claims, under its hash only.
func TestIssuedCodeIsBoundToTheRequest(t *testing.T) {
	e, svc, c := authzFixture(t)
	ctx := context.Background()
	challenge := "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	q := url.Values{
		"response_type": {"code"}, "client_id": {itoa(c.ClientID)}, "redirect_uri": {"https://app.example.com/cb"},
		"scope": {"openid profile email"}, "state": {"s1"}, "nonce": {"n1"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}
	r, err := e.Authorization(ctx, svc, q.Encode())
	if err != nil || r.Action != ActionInteraction || r.Ticket == "" {
		t.Fatalf("Authorization = %+v, %v", r, err)
	}
	authTime := testNow.Add(-time.Minute).Unix()
	r, err = e.AuthorizationIssue(ctx, svc, AuthorizationIssue{
		Ticket: r.Ticket, Subject: "alice", AuthTime: authTime, ACR: "loa2",
		Claims: `{"name":"Alice"}`, Scopes: []string{"openid", "email"},
		Properties: []store.Property{{Key: "tenant", Value: "t1"}},
	})
	if err != nil || r.Action != ActionLocation {
		t.Fatalf("AuthorizationIssue = %+v, %v", r, err)
	}
	loc, _ := url.Parse(r.ResponseContent)
	if got := loc.Query().Get("code"); got == "" || got != r.AuthorizationCode {
		t.Fatalf("Location %s lacks the code", r.ResponseContent)
	}
	if loc.Query().Get("state") != "s1" || loc.Query().Get("iss") != svc.Issuer {
		t.Errorf("Location %s: state and iss (RFC 9207) must be there", r.ResponseContent)
	}
	code, err := e.store.ConsumeCode(ctx, svc.APIKey, hashToken(r.AuthorizationCode))
	if err != nil {
		t.Fatalf("the stored code is found by the hash of the raw code only: %v", err)
	}
	want := store.AuthorizationCode{
		ServiceID: svc.APIKey, ClientID: c.ClientID, RedirectURI: "https://app.example.com/cb",
		Scopes: []string{"openid", "email"}, Subject: "alice", AuthTime: time.Unix(authTime, 0).UTC(), ACR: "loa2",
		Nonce: "n1", CodeChallenge: challenge, CodeChallengeMethod: "S256", Claims: []byte(`{"name":"Alice"}`),
		Properties: []store.Property{{Key: "tenant", Value: "t1"}},
		CreatedAt:  testNow, ExpiresAt: testNow.Add(10 * time.Minute),
	}
	code.Hash, code.GrantID = "", ""
	if !slices.Equal(code.Scopes, want.Scopes) || code.RedirectURI != want.RedirectURI || code.CodeChallenge != want.CodeChallenge ||
		code.Nonce != want.Nonce || code.Subject != want.Subject || !code.AuthTime.Equal(want.AuthTime) || code.ACR != want.ACR ||
		string(code.Claims) != string(want.Claims) || !code.ExpiresAt.Equal(want.ExpiresAt) || code.ClientID != want.ClientID ||
		len(code.Properties) != 1 {
		t.Errorf("stored code\n got %+v\nwant %+v", code, want)
	}
}

// TestHybridResponseCarriesTheHashes: code id_token token from the
// authorization endpoint, in the fragment, with c_hash and at_hash.
func TestHybridResponseCarriesTheHashes(t *testing.T) {
	e, svc, c := authzFixture(t)
	ctx := context.Background()
	q := url.Values{
		"response_type": {"code id_token token"}, "client_id": {itoa(c.ClientID)},
		"redirect_uri": {"https://app.example.com/cb"}, "scope": {"openid"}, "nonce": {"n"}, "state": {"st"},
	}
	r, err := e.Authorization(ctx, svc, q.Encode())
	if err != nil || r.Action != ActionInteraction {
		t.Fatalf("Authorization = %+v, %v", r, err)
	}
	r, err = e.AuthorizationIssue(ctx, svc, AuthorizationIssue{Ticket: r.Ticket, Subject: "alice"})
	if err != nil || r.Action != ActionLocation {
		t.Fatalf("issue = %+v, %v", r, err)
	}
	frag, ok := strings.CutPrefix(r.ResponseContent, "https://app.example.com/cb#")
	if !ok {
		t.Fatalf("hybrid answers in the fragment: %s", r.ResponseContent)
	}
	vals, _ := url.ParseQuery(frag)
	for _, p := range []string{"code", "access_token", "token_type", "expires_in", "id_token", "state", "iss"} {
		if vals.Get(p) == "" {
			t.Errorf("fragment lacks %s: %s", p, frag)
		}
	}
	_, claims := verify(t, publicKeys(t, e, svc), vals.Get("id_token"))
	if claims["c_hash"] != halfHash(vals.Get("code")) || claims["at_hash"] != halfHash(vals.Get("access_token")) ||
		claims["s_hash"] != halfHash("st") || claims["nonce"] != "n" {
		t.Errorf("ID token claims %v", claims)
	}
	tok, err := e.store.GetToken(ctx, svc.APIKey, hashToken(vals.Get("access_token")))
	if err != nil || tok.Subject != "alice" || tok.ClientID != c.ClientID {
		t.Errorf("stored access token = %+v, %v", tok, err)
	}
}
