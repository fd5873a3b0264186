package main

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/gatehouse-oss/gatehouse/store/mongostore/mongotest"
)

// cacheBound is how soon a configuration change made through one instance
// must be seen by another: the cache's TTL plus a margin for the polling
// and a slow FerretDB.
const cacheBound = cacheTTL + 2*time.Second

// TestCluster runs three engine processes, A, B and C, on one database, as
// replicas behind a load balancer, and checks what DESIGN §7 promises of
// them (issue 8, point 3):
//
//   - no protocol state lives in an instance's memory, so every step of a
//     flow may land on another instance: authorization at A, issue at B,
//     token at C, introspection at A, refresh at B, revocation at C, and the
//     revoked grant's access token is inactive at A;
//   - the configuration cache is bounded in time: a client updated through
//     A is seen by B within cacheBound;
//   - the active signing key is derived from the store, so after a rotation
//     at A, B and C sign ID tokens with the new key, and A's JWK Set
//     verifies them (and still the ID tokens signed before).
//
// Observed (2 CPUs, -race): B answers from the old client for 0.76–0.94 s
// after the update (TTL 1 s); the test takes 4–15 s, mostly FerretDB.
func TestCluster(t *testing.T) {
	t.Parallel()
	db := mongotest.New(t)
	d := newDeployment(t, db.URI, db.Name)
	// Started together, as a deployment's replicas are: each creates the
	// store's indexes at start, at the same time.
	var ops [3]engineAPI
	var procs [3]*proc
	for i, name := range []string{"A", "B", "C"} {
		procs[i], ops[i] = d.start(t, name)
	}
	for i := range ops {
		waitReady(t, procs[i], ops[i])
	}

	const issuer = "https://login.cluster.example"
	a := ops[0].createService(t, map[string]any{
		"serviceName":           "Cluster",
		"issuer":                issuer,
		"authorizationEndpoint": issuer + "/authorize",
		"tokenEndpoint":         issuer + "/token",
		"userInfoEndpoint":      issuer + "/userinfo",
		"jwksUri":               issuer + "/jwks",
		"revocationEndpoint":    issuer + "/revoke",
		"introspectionEndpoint": issuer + "/introspect",
	})
	b, c := ops[1].as(a.key, a.secret), ops[2].as(a.key, a.secret)
	rp := relyingParty{issuer: issuer, redirectURI: "https://app.example/cb"}
	rp.client = a.createClient(t, map[string]any{
		"clientName":      "Cluster web",
		"clientType":      "CONFIDENTIAL",
		"tokenAuthMethod": "CLIENT_SECRET_BASIC",
		"grantTypes":      []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN"},
		"redirectUris":    []string{rp.redirectURI},
	})

	idToken, nonce := checkFlowAcrossInstances(t, rp, a, b, c)
	checkClientUpdateSeen(t, rp, a, b)
	checkRotationUsed(t, rp, a, b, c, idToken, nonce)
}

// checkFlowAcrossInstances runs a code flow and the life of its tokens,
// each step at another instance than the one before. It returns the flow's
// ID token and nonce.
func checkFlowAcrossInstances(t *testing.T, rp relyingParty, a, b, c engineAPI) (idToken, nonce string) {
	t.Helper()
	tok, nonce := rp.codeFlow(t, a, b, c)
	if tok.RefreshToken == "" || tok.IDToken == "" {
		t.Fatalf("token response at C without a refresh or ID token: %+v", tok)
	}
	rp.verifyIDToken(t, tok.IDToken, nonce, jwksOf(t, a))
	a.runtime(t, "/api/auth/introspection", map[string]any{"token": tok.AccessToken}, "OK")

	refreshed := b.token(t, rp.client, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}.Encode())
	if refreshed.AccessToken == tok.AccessToken || refreshed.RefreshToken == "" || refreshed.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh at B: %+v, want a new access token and a rotated refresh token", refreshed)
	}
	revoke := url.Values{"token": {refreshed.RefreshToken}, "token_type_hint": {"refresh_token"}}.Encode()
	c.runtime(t, "/api/auth/revocation", map[string]any{"parameters": revoke, "clientId": rp.client.id, "clientSecret": rp.client.secret}, "OK")
	// Revoking the refresh token revokes its grant, the access token too.
	a.runtime(t, "/api/auth/introspection", map[string]any{"token": refreshed.AccessToken}, "UNAUTHORIZED")
	return tok.IDToken, nonce
}

// checkClientUpdateSeen updates the client through A (a new name and a
// second redirect URI) and polls B with an authorization request for the
// new redirect URI: B must accept it, and show the new name, once
// cacheBound has passed since the update.
func checkClientUpdateSeen(t *testing.T, rp relyingParty, a, b engineAPI) {
	t.Helper()
	const newName, newRedirect = "Cluster web v2", "https://app.example/cb2"
	request := func() runtimeAnswer {
		q, _ := authorizationQuery(rp.client.id, newRedirect)
		return b.tryRuntime(t, "/api/auth/authorization", map[string]any{"parameters": q})
	}
	// This also puts the client, as it is now, into B's cache.
	if ans := request(); ans.Action != "BAD_REQUEST" {
		t.Fatalf("B before the update: action %s for an unregistered redirect URI, want BAD_REQUEST: %s", ans.Action, ans.raw)
	}

	// An update replaces the whole client: send it back as read, changed.
	var client map[string]any
	path := "/api/client/get/" + rp.client.id
	a.call(t, http.MethodGet, path, nil, http.StatusOK, &client)
	client["clientName"] = newName
	client["redirectUris"] = []string{rp.redirectURI, newRedirect}
	var updated struct {
		ClientName string `json:"clientName"`
	}
	a.call(t, http.MethodPost, "/api/client/update/"+rp.client.id, client, http.StatusOK, &updated)
	if updated.ClientName != newName {
		t.Fatalf("update at A answered clientName %q, want %q", updated.ClientName, newName)
	}
	changed := time.Now()

	// Staleness is judged by when a request started: an answer from the old
	// client to a request that started later than cacheBound after the
	// update is too stale, however long FerretDB took to answer it.
	var lastStale time.Duration
	stale := false
	waitFor(t, 15*time.Second, "B sees the client updated at A", func() (bool, string) {
		asked := time.Now()
		ans := request()
		switch ans.Action {
		case "BAD_REQUEST": // the old client
			stale, lastStale = true, asked.Sub(changed)
			if lastStale > cacheBound {
				t.Fatalf("B refused the new redirect URI to a request made %v after the update at A, want it seen within %v: %s", lastStale.Round(time.Millisecond), cacheBound, ans.raw)
			}
			return false, ans.raw
		case "INTERACTION":
			if ans.Client.ClientName != newName {
				t.Fatalf("B accepts the new redirect URI but names the client %q, want %q: %s", ans.Client.ClientName, newName, ans.raw)
			}
			return true, ""
		}
		t.Fatalf("B: action %s, want INTERACTION or BAD_REQUEST: %s", ans.Action, ans.raw)
		return false, ""
	})
	if stale {
		t.Logf("B answered from the old client up to %v after the update at A (cache TTL %v)", lastStale.Round(time.Millisecond), cacheTTL)
	}
}

// checkRotationUsed rotates the keys at A, then has B and C each answer
// the token request of a code flow: their ID tokens must carry the new
// active key's kid and verify against A's JWK Set, which still verifies
// oldIDToken, signed before the rotation.
func checkRotationUsed(t *testing.T, rp relyingParty, a, b, c engineAPI, oldIDToken, oldNonce string) {
	t.Helper()
	before := jwksOf(t, a)
	var rotated struct {
		ActiveKeys []struct {
			KID string `json:"kid"`
			Alg string `json:"alg"`
		} `json:"activeKeys"`
	}
	a.call(t, http.MethodPost, "/api/service/keys/rotate", nil, http.StatusOK, &rotated)
	after := jwksOf(t, a)

	// The new active keys are exactly the keys the rotation added.
	active := map[string]string{} // alg → kid
	var added []string
	for _, k := range rotated.ActiveKeys {
		active[k.Alg] = k.KID
		added = append(added, k.KID)
	}
	var appeared []string
	for _, k := range after.Keys {
		if len(before.Key(k.KeyID)) == 0 {
			appeared = append(appeared, k.KeyID)
		}
	}
	slices.Sort(added)
	slices.Sort(appeared)
	if len(added) != 2 || !slices.Equal(added, appeared) {
		t.Fatalf("rotation at A: active keys %v, keys new to the JWK Set %v; want the same two", added, appeared)
	}
	rp.verifyIDToken(t, oldIDToken, oldNonce, after)

	for _, flow := range []struct{ authz, issue, token engineAPI }{{c, a, b}, {a, b, c}} {
		tok, nonce := rp.codeFlow(t, flow.authz, flow.issue, flow.token)
		kid, alg := rp.verifyIDToken(t, tok.IDToken, nonce, after)
		if kid != active[alg] {
			t.Errorf("engine %s signed an ID token with %s key %s after the rotation at A, want the new active key %s", flow.token.name, alg, kid, active[alg])
		}
	}
}

// relyingParty is the client of the cluster test and what it knows of its
// OpenID Provider.
type relyingParty struct {
	issuer      string
	client      oauthClient
	redirectURI string
}

// authorizationQuery is an OpenID Connect authorization request for the
// code flow with PKCE (RFC 7636, S256), as a frontend receives it, and the
// values the client keeps to finish it.
func authorizationQuery(clientID, redirectURI string) (query string, keep flowState) {
	keep = flowState{verifier: oauth2.GenerateVerifier(), state: rand.Text(), nonce: rand.Text()}
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirectURI},
		"scope":                 {"openid profile"},
		"state":                 {keep.state},
		"nonce":                 {keep.nonce},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(keep.verifier)},
		"code_challenge_method": {"S256"},
	}.Encode(), keep
}

type flowState struct{ verifier, state, nonce string }

// codeFlow runs the authorization code flow, each of its three engine
// calls at the instance given, and returns the tokens and the nonce.
func (rp relyingParty) codeFlow(t *testing.T, authzAt, issueAt, tokenAt engineAPI) (tokenResponse, string) {
	t.Helper()
	q, keep := authorizationQuery(rp.client.id, rp.redirectURI)
	ans := authzAt.runtime(t, "/api/auth/authorization", map[string]any{"parameters": q}, "INTERACTION")
	if ans.Ticket == "" {
		t.Fatalf("engine %s: INTERACTION without a ticket: %s", authzAt.name, ans.raw)
	}
	ans = issueAt.runtime(t, "/api/auth/authorization/issue", map[string]any{"ticket": ans.Ticket, "subject": "alice", "authTime": time.Now().Unix()}, "LOCATION")
	loc, err := url.Parse(ans.ResponseContent)
	if err != nil || !strings.HasPrefix(ans.ResponseContent, rp.redirectURI+"?") {
		t.Fatalf("engine %s: LOCATION %q, want a redirect to %s", issueAt.name, ans.ResponseContent, rp.redirectURI)
	}
	redirect := loc.Query()
	code := redirect.Get("code")
	if code == "" || redirect.Get("state") != keep.state || redirect.Get("iss") != rp.issuer {
		t.Fatalf("engine %s: redirect %s: want a code, state %s and iss %s (RFC 9207)", issueAt.name, loc, keep.state, rp.issuer)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rp.redirectURI}, "code_verifier": {keep.verifier}}
	return tokenAt.token(t, rp.client, form.Encode()), keep.nonce
}

// verifyIDToken checks an ID token as the relying party does (OIDC Core
// §3.1.3.7): signed by a key of set, issued by the provider to this client
// for alice, unexpired, with the request's nonce. It returns the signing
// key's kid and algorithm.
func (rp relyingParty) verifyIDToken(t *testing.T, raw, nonce string, set jose.JSONWebKeySet) (kid, alg string) {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil || len(tok.Headers) != 1 {
		t.Fatalf("ID token %q: %v", raw, err)
	}
	kid, alg = tok.Headers[0].KeyID, tok.Headers[0].Algorithm
	keys := set.Key(kid)
	if len(keys) != 1 {
		t.Fatalf("ID token signed with %s key %q: %d such keys in the JWK Set", alg, kid, len(keys))
	}
	var claims jwt.Claims
	var extra struct {
		Nonce string `json:"nonce"`
	}
	if err := tok.Claims(keys[0].Key, &claims, &extra); err != nil {
		t.Fatalf("ID token signed with %s key %s: %v", alg, kid, err)
	}
	want := jwt.Expected{Issuer: rp.issuer, AnyAudience: jwt.Audience{rp.client.id}, Subject: "alice", Time: time.Now()}
	if err := claims.ValidateWithLeeway(want, time.Minute); err != nil || extra.Nonce != nonce {
		t.Fatalf("ID token claims %+v, nonce %q: %v; want %+v and nonce %q", claims, extra.Nonce, err, want, nonce)
	}
	return kid, alg
}

// jwksOf is the service's public JWK Set, as the instance at publishes it.
func jwksOf(t *testing.T, at engineAPI) jose.JSONWebKeySet {
	t.Helper()
	var set jose.JSONWebKeySet
	body := at.call(t, http.MethodGet, "/api/service/jwks/get", nil, http.StatusOK, nil)
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("engine %s: JWK Set %s: %v", at.name, body, err)
	}
	return set
}
