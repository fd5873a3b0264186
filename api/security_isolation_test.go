package api

// TestTenantIsolation drives the real router and engine against the cases
// M01–M10 of SECURITY.md §7 (service A's key must never touch service B).
// The catalogue asks for the M cases on the storage backend too, so each
// case runs on memstore and on mongostore (FerretDB in `make test`):
// TestTenantIsolation/M04_.../mongostore. Subtests are named by case id.
//
// The fixture here (secWorld: two services with a client of the same alias,
// a spy over the store, a code flow) is shared with TestStorageAttacks in
// security_storage_test.go.
//
// Where the catalogue asks more than the engine has:
//   - M02: there is no consent store or listing; listings are of clients
//     (offset paging, no cursor to tamper with) and of tokens.
//   - M09: client IDs and API keys are random integers below 2^53 (DESIGN
//     §1: numbers as in Authlete, exact in JavaScript), so 53 bits, not 128.
//     They are identifiers, not credentials: every credential and handle
//     (secrets, tickets, codes, access and refresh tokens) is 256-bit.
//   - M10: timing is not measured (noise under -race would make it a coin
//     toss); the test checks the proxy that decides it — "exists in another
//     service" and "does not exist" cause the same sequence of store calls.
//
// TestEndUserEvents (R09, R10) is here too: it needs the same two services.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
	"github.com/gatehouse-oss/gatehouse/store/mongostore"
	"github.com/gatehouse-oss/gatehouse/store/mongostore/mongotest"
)

func TestTenantIsolation(t *testing.T) {
	cases := []struct {
		id  string
		run func(*testing.T, *secWorld)
	}{
		{"M01_other_service_client_is_404", secM01},
		{"M02_listings_scoped_to_the_service", secM02},
		{"M03_server_owned_fields_ignored_or_refused", secM03},
		{"M04_same_client_id_and_alias_in_two_services", secM04},
		{"M05_artefacts_of_A_unknown_at_B", secM05},
		{"M06_id_token_of_A_fails_B_keys_and_issuer", secM06},
		{"M07_service_deletion_cascades", secM07},
		{"M08_rate_limit_per_service", secM08},
		{"M09_identifiers_random", secM09},
		{"M10_other_service_reads_as_unknown", secM10},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) { secBackends(t, tc.run) })
	}
}

// M01: B's key on A's client — by ID, by alias, at every client path, at
// the authorization endpoint and at token deletion — is the 404 (or the
// BAD_REQUEST) of an unknown one, byte for byte apart from the identifier.
func secM01(t *testing.T, w *secWorld) {
	only := w.newClient(t, w.a, `{"clientName":"A only","clientType":"CONFIDENTIAL","clientIdAlias":"a-only","redirectUris":["`+secRedirect+`"]}`)
	id, unknown := fmt.Sprint(only.ClientID), fmt.Sprint(only.ClientID^1<<40)
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/client/get/%s", ""},
		{http.MethodGet, "/api/client/secret/refresh/%s", ""},
		{http.MethodDelete, "/api/client/delete/%s", ""},
		{http.MethodPost, "/api/client/update/%s", `{"clientName":"Taken","clientType":"PUBLIC","redirectUris":["https://b.example/cb"]}`},
	} {
		for _, ids := range [][2]string{{id, unknown}, {"a-only", "no-such-alias"}} {
			if tc.method == http.MethodPost && ids[0] == "a-only" {
				continue // update takes the numeric ID only
			}
			theirs := w.call(t, tc.method, fmt.Sprintf(tc.path, ids[0]), w.b.key, w.b.secret, "application/json", tc.body)
			missing := w.call(t, tc.method, fmt.Sprintf(tc.path, ids[1]), w.b.key, w.b.secret, "application/json", tc.body)
			if theirs.Code != http.StatusNotFound || missing.Code != http.StatusNotFound {
				t.Fatalf("%s %s: %d (A's), %d (unknown); want 404 for both", tc.method, tc.path, theirs.Code, missing.Code)
			}
			if a, b := strings.ReplaceAll(theirs.Body.String(), ids[0], "X"), strings.ReplaceAll(missing.Body.String(), ids[1], "X"); a != b {
				t.Errorf("%s %s: bodies differ:\n%s\n%s", tc.method, tc.path, a, b)
			}
		}
	}

	// The authorization endpoint of B, asked for A's client.
	ask := func(clientID string) authorizationJSON {
		return w.authorize(t, w.b, url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {secRedirect}, "state": {"s"}})
	}
	theirs, missing := ask(id), ask(unknown)
	if theirs.Action != "BAD_REQUEST" || theirs.ResultCode != missing.ResultCode || theirs.ResponseContent != missing.ResponseContent {
		t.Errorf("authorization at B for A's client = %+v, for an unknown one %+v", theirs, missing)
	}

	// Token deletion at B, of A's access token.
	f := w.flow(t, w.a, "alice")
	del := w.call(t, http.MethodDelete, "/api/auth/token/delete/"+f.at, w.b.key, w.b.secret, "", "")
	delUnknown := w.call(t, http.MethodDelete, "/api/auth/token/delete/"+secRandomToken(), w.b.key, w.b.secret, "", "")
	if del.Code != http.StatusNotFound || delUnknown.Code != http.StatusNotFound || del.Body.String() != delUnknown.Body.String() {
		t.Errorf("token delete at B: %d %s; of an unknown token %d %s", del.Code, del.Body, delUnknown.Code, delUnknown.Body)
	}

	// Nothing of A changed.
	var got clientJSON
	w.expect(t, w.call(t, http.MethodGet, "/api/client/get/"+id, w.a.key, w.a.secret, "", ""), http.StatusOK, &got)
	if got.ClientName != "A only" {
		t.Errorf("A's client changed: %+v", got)
	}
	if !w.active(t, w.a, f.at) {
		t.Error("A's access token stopped working after B's attempts")
	}
}

// M02: listings show the caller's records only, and paging is an offset
// within the service, so no range reaches another one.
func secM02(t *testing.T, w *secWorld) {
	w.newClient(t, w.a, `{"clientName":"A two","clientType":"PUBLIC","redirectUris":["http://127.0.0.1/cb"]}`)
	fa := w.flow(t, w.a, "alice")
	w.flow(t, w.b, "bob")
	mine := []int64{w.a.app.ClientID}

	for _, q := range []string{"", "?start=0&end=1000", "?start=1&end=2", "?start=2&end=3", "?start=999&end=1000"} {
		var list clientListJSON
		w.expect(t, w.call(t, http.MethodGet, "/api/client/get/list"+q, w.a.key, w.a.secret, "", ""), http.StatusOK, &list)
		if list.TotalCount != 2 {
			t.Errorf("list%s: totalCount %d, want A's 2", q, list.TotalCount)
		}
		for _, c := range list.Clients {
			if c.ClientID == w.b.app.ClientID {
				t.Errorf("list%s shows B's client", q)
			}
		}
	}
	for _, q := range []string{"?start=-1", "?start=0&end=1001", "?start=x"} {
		if rec := w.call(t, http.MethodGet, "/api/client/get/list"+q, w.a.key, w.a.secret, "", ""); rec.Code != http.StatusBadRequest {
			t.Errorf("list%s: %d, want 400", q, rec.Code)
		}
	}

	var toks tokenListJSON
	w.expect(t, w.call(t, http.MethodGet, "/api/auth/token/get/list?start=0&end=1000", w.a.key, w.a.secret, "", ""), http.StatusOK, &toks)
	if toks.TotalCount != 2 || len(toks.AccessTokens) != 2 { // A's access and refresh token
		t.Errorf("A's token list: %d entries (total %d), want its 2: %+v", len(toks.AccessTokens), toks.TotalCount, toks.AccessTokens)
	}
	for _, e := range toks.AccessTokens {
		if !slices.Contains(mine, e.ClientID) || e.Subject != "alice" {
			t.Errorf("A's token list holds %+v", e)
		}
	}
	if h := secHash(fa.at); !slices.ContainsFunc(toks.AccessTokens, func(e tokenInfoJSON) bool { return e.AccessTokenHash == h }) {
		t.Errorf("A's list lacks its own access token")
	}
	// Filtering by B's client or B's end-user finds nothing of B, exactly
	// as filtering by ones that do not exist.
	for _, pair := range [][2]string{
		{"clientIdentifier=" + fmt.Sprint(w.b.app.ClientID), "clientIdentifier=" + fmt.Sprint(w.b.app.ClientID^1<<40)},
		{"subject=bob", "subject=nobody"},
	} {
		theirs := w.call(t, http.MethodGet, "/api/auth/token/get/list?"+pair[0], w.a.key, w.a.secret, "", "")
		missing := w.call(t, http.MethodGet, "/api/auth/token/get/list?"+pair[1], w.a.key, w.a.secret, "", "")
		var list tokenListJSON
		_ = json.Unmarshal(theirs.Body.Bytes(), &list)
		if theirs.Code != missing.Code || len(list.AccessTokens) != 0 {
			t.Errorf("token list ?%s: %d %s; ?%s: %d %s", pair[0], theirs.Code, theirs.Body, pair[1], missing.Code, missing.Body)
		}
	}
}

// M03: what the server owns cannot be set through a body; a body that
// names another tenant's record is refused and changes nothing there.
func secM03(t *testing.T, w *secWorld) {
	idA, idB := fmt.Sprint(w.a.app.ClientID), fmt.Sprint(w.b.app.ClientID)
	var read map[string]any
	w.expect(t, w.call(t, http.MethodGet, "/api/client/get/"+idA, w.a.key, w.a.secret, "", ""), http.StatusOK, &read)
	created := read["createdAt"]

	// Sent back as read, with the server's fields tampered: ignored.
	read["createdAt"], read["modifiedAt"], read["clientName"] = 1, 1, "App v2"
	var updated clientJSON
	w.expect(t, w.call(t, http.MethodPost, "/api/client/update/"+idA, w.a.key, w.a.secret, "application/json", secJSON(t, read)), http.StatusOK, &updated)
	if c, _ := created.(float64); updated.ClientID != w.a.app.ClientID || updated.CreatedAt != int64(c) || updated.ClientName != "App v2" {
		t.Errorf("update with server-owned fields: %+v (createdAt was %v)", updated, created)
	}

	for name, body := range map[string]string{
		"clientId of B's client":   strings.Replace(secAppBody, `{`, `{"clientId":`+idB+`,`, 1),
		"serviceId of B":           strings.Replace(secAppBody, `{`, `{"serviceId":`+fmt.Sprint(w.b.apiKey)+`,`, 1),
		"a chosen secret":          strings.Replace(secAppBody, `{`, `{"clientSecret":"mine-mine-mine-mine-mine-mine-mine",`, 1),
		"service_id in wire style": strings.Replace(secAppBody, `{`, `{"service_id":`+fmt.Sprint(w.b.apiKey)+`,`, 1),
	} {
		if rec := w.call(t, http.MethodPost, "/api/client/update/"+idA, w.a.key, w.a.secret, "application/json", body); rec.Code != http.StatusBadRequest {
			t.Errorf("update with %s: %d %s, want 400", name, rec.Code, rec.Body)
		}
	}
	// A client is created in the caller's service whatever the body says.
	if rec := w.call(t, http.MethodPost, "/api/client/create", w.a.key, w.a.secret, "application/json",
		strings.Replace(secAppBody, `"clientIdAlias":"app"`, `"clientIdAlias":"a3","clientId":`+idB, 1)); rec.Code == http.StatusCreated {
		var c clientJSON
		_ = json.Unmarshal(rec.Body.Bytes(), &c)
		if c.ClientID == w.b.app.ClientID {
			t.Errorf("create took the clientId of the body: %+v", c)
		}
	}
	// A token cannot be minted for B's client with A's key: the answer is
	// that for a client that does not exist.
	mint := func(id string) string {
		rec := w.call(t, http.MethodPost, "/api/auth/token/create", w.a.key, w.a.secret, "application/json", `{"grantType":"CLIENT_CREDENTIALS","clientId":`+id+`}`)
		return fmt.Sprint(rec.Code, " ", strings.ReplaceAll(rec.Body.String(), id, "X"))
	}
	unknownID := fmt.Sprint(w.b.app.ClientID ^ 1<<40)
	if theirs, missing := mint(idB), mint(unknownID); !strings.HasPrefix(theirs, "4") || theirs != missing {
		t.Errorf("token/create for B's client with A's key: %s; for an unknown client: %s", theirs, missing)
	}

	// The operator's service update: apiKey and createdAt in the body are
	// the server's and do not move the service onto B.
	var svc map[string]any
	w.expect(t, w.call(t, http.MethodGet, "/api/service/get/"+w.a.key, mgmtAdminKey, mgmtAdminSecret, "", ""), http.StatusOK, &svc)
	svc["apiKey"], svc["createdAt"], svc["serviceName"] = w.b.apiKey, 1, "A renamed"
	rec := w.call(t, http.MethodPost, "/api/service/update/"+w.a.key, mgmtAdminKey, mgmtAdminSecret, "application/json", secJSON(t, svc))
	if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
		t.Errorf("service update with B's apiKey: %d %s", rec.Code, rec.Body)
	}

	// B is untouched, and both services still work with their own keys.
	var b clientJSON
	w.expect(t, w.call(t, http.MethodGet, "/api/client/get/"+idB, w.b.key, w.b.secret, "", ""), http.StatusOK, &b)
	if b.ClientName != "App" || b.ClientIDAlias != "app" {
		t.Errorf("B's client changed: %+v", b)
	}
	var bs serviceJSON
	w.expect(t, w.call(t, http.MethodGet, "/api/service/get/"+w.b.key, mgmtAdminKey, mgmtAdminSecret, "", ""), http.StatusOK, &bs)
	if bs.ServiceName != "Shop B" {
		t.Errorf("B's service changed: %+v", bs)
	}
	w.expect(t, w.call(t, http.MethodGet, "/api/client/get/list", w.a.key, w.a.secret, "", ""), http.StatusOK, nil)
	w.expect(t, w.call(t, http.MethodGet, "/api/client/get/list", w.b.key, w.b.secret, "", ""), http.StatusOK, nil)
}

// M04: the same alias ("app", made by the fixture) and the same numeric
// client ID (made here by a seed, the one way to choose an ID) exist in
// two services; every lookup is scoped, and A's secret never
// authenticates B's client.
func secM04(t *testing.T, w *secWorld) {
	// Unique per service: a second "app" in A is a conflict.
	if rec := w.call(t, http.MethodPost, "/api/client/create", w.a.key, w.a.secret, "application/json", secAppBody); rec.Code != http.StatusConflict {
		t.Errorf("second alias app in A: %d, want 409", rec.Code)
	}
	cc := func(tn secTenant, clientID, secret string) tokenJSON {
		return w.token(t, tn, map[string]any{"parameters": "grant_type=client_credentials", "clientId": clientID, "clientSecret": secret})
	}
	if r := cc(w.b, "app", w.a.app.ClientSecret); r.Action != "INVALID_CLIENT" {
		t.Errorf("A's secret for B's app: %s %s", r.Action, r.ResponseContent)
	}
	if r := cc(w.a, "app", w.b.app.ClientSecret); r.Action != "INVALID_CLIENT" {
		t.Errorf("B's secret for A's app: %s %s", r.Action, r.ResponseContent)
	}
	for _, tn := range []secTenant{w.a, w.b} {
		if r := cc(tn, "app", tn.app.ClientSecret); r.Action != "OK" || r.ClientID != tn.app.ClientID {
			t.Errorf("own secret: %s %d %s", r.Action, r.ClientID, r.ResultMessage)
		}
	}

	// The same numeric client ID in two services.
	const shared = 4242
	secretOf := map[int64]string{}
	var services []map[string]any
	for i, name := range []string{"Seed A", "Seed B"} {
		apiKey := int64(7_000_000_001 + i)
		secretOf[apiKey] = fmt.Sprintf("seed-%d-client-secret-0123456789abcdef", i)
		services = append(services, map[string]any{
			"apiKey": apiKey, "apiSecret": fmt.Sprintf("seed-%d-api-secret-0123456789abcdefghij", i),
			"serviceName": name, "issuer": fmt.Sprintf("https://seed%d.example", i),
			"clients": []map[string]any{{"clientId": shared, "clientSecret": secretOf[apiKey], "clientName": name + " app",
				"clientType": "CONFIDENTIAL", "grantTypes": []string{"CLIENT_CREDENTIALS"}, "responseTypes": []string{}}},
		})
	}
	seed, err := DecodeSeed([]byte(secJSON(t, map[string]any{"services": services})))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.engine.ApplySeed(t.Context(), seed); err != nil {
		t.Fatalf("seed with one client ID in two services: %v", err)
	}
	tenants := []secTenant{}
	for i := range 2 {
		apiKey := int64(7_000_000_001 + i)
		tenants = append(tenants, secTenant{apiKey: apiKey, key: fmt.Sprint(apiKey), secret: fmt.Sprintf("seed-%d-api-secret-0123456789abcdefghij", i)})
	}
	for i, tn := range tenants {
		other := tenants[1-i]
		if r := cc(tn, fmt.Sprint(shared), secretOf[tn.apiKey]); r.Action != "OK" {
			t.Errorf("service %d, own secret: %s %s", i, r.Action, r.ResultMessage)
		}
		if r := cc(tn, fmt.Sprint(shared), secretOf[other.apiKey]); r.Action != "INVALID_CLIENT" {
			t.Errorf("service %d, the other service's secret for client %d: %s", i, shared, r.Action)
		}
		var c clientJSON
		w.expect(t, w.call(t, http.MethodGet, fmt.Sprintf("/api/client/get/%d", shared), tn.key, tn.secret, "", ""), http.StatusOK, &c)
		if want := []string{"Seed A app", "Seed B app"}[i]; c.ClientName != want {
			t.Errorf("service %d reads client %d as %q, want %q", i, shared, c.ClientName, want)
		}
	}
	// Deleting it in one service leaves the other's.
	w.expect(t, w.call(t, http.MethodDelete, fmt.Sprintf("/api/client/delete/%d", shared), tenants[0].key, tenants[0].secret, "", ""), http.StatusNoContent, nil)
	if r := cc(tenants[1], fmt.Sprint(shared), secretOf[tenants[1].apiKey]); r.Action != "OK" {
		t.Errorf("after the delete in the other service: %s %s", r.Action, r.ResultMessage)
	}
}

// M05: a ticket, a code, an access and a refresh token of A, presented to
// every runtime API of B, are unknown there (the same answer as a random
// value) and remain usable at A: B's lookups never even found them.
func secM05(t *testing.T, w *secWorld) {
	ticket := w.ticket(t, w.a)
	code := w.code(t, w.a, w.ticket(t, w.a))
	f := w.flow(t, w.a, "alice")
	random := secRandomToken()

	same := func(what string, theirs, unknown any) {
		t.Helper()
		if !reflect.DeepEqual(theirs, unknown) {
			t.Errorf("%s at B: A's %+v; unknown %+v", what, theirs, unknown)
		}
	}
	issueAt := func(tk string) authorizationJSON {
		return secDecode[authorizationJSON](t, w.post(t, w.b, "/api/auth/authorization/issue", map[string]any{"ticket": tk, "subject": "mallory"}))
	}
	failAt := func(tk string) authorizationJSON {
		return secDecode[authorizationJSON](t, w.post(t, w.b, "/api/auth/authorization/fail", map[string]any{"ticket": tk, "reason": "DENIED"}))
	}
	redeemAt := func(c string) tokenJSON {
		return w.token(t, w.b, map[string]any{"parameters": "grant_type=authorization_code&code=" + c + "&redirect_uri=" + url.QueryEscape(secRedirect),
			"clientId": "app", "clientSecret": w.b.app.ClientSecret})
	}
	refreshAt := func(rt string) tokenJSON {
		return w.token(t, w.b, map[string]any{"parameters": "grant_type=refresh_token&refresh_token=" + rt, "clientId": "app", "clientSecret": w.b.app.ClientSecret})
	}
	if a := issueAt(ticket); a.Action != "BAD_REQUEST" {
		t.Errorf("issue at B with A's ticket: %+v", a)
	} else {
		same("/issue", a, issueAt(random))
	}
	same("/fail", failAt(ticket), failAt(random))
	if r := redeemAt(code); !strings.Contains(r.ResponseContent, `"invalid_grant"`) {
		t.Errorf("A's code at B: %+v", r)
	} else {
		same("code redemption", r, redeemAt(random))
	}
	same("refresh", refreshAt(f.rt), refreshAt(random))

	introspect := func(tok string) introspectionJSON {
		return secDecode[introspectionJSON](t, w.post(t, w.b, "/api/auth/introspection", map[string]any{"token": tok}))
	}
	if in := introspect(f.at); in.Action != "UNAUTHORIZED" || in.Existent {
		t.Errorf("introspection at B: %+v", in)
	}
	same("introspection", introspect(f.at), introspect(random))
	std := func(tok string) runtimeResultJSON {
		return secDecode[runtimeResultJSON](t, w.post(t, w.b, "/api/auth/introspection/standard", map[string]any{"parameters": "token=" + tok}))
	}
	if r := std(f.rt); r.ResponseContent != `{"active":false}` {
		t.Errorf("standard introspection at B: %+v", r)
	}
	same("standard introspection", std(f.at), std(random))
	userinfo := func(tok string) runtimeResultJSON {
		return secDecode[runtimeResultJSON](t, w.post(t, w.b, "/api/auth/userinfo", map[string]any{"token": tok}))
	}
	same("userinfo", userinfo(f.at), userinfo(random))
	revoke := func(tok string) runtimeResultJSON {
		return secDecode[runtimeResultJSON](t, w.post(t, w.b, "/api/auth/revocation", map[string]any{"parameters": "token=" + tok, "clientId": "app", "clientSecret": w.b.app.ClientSecret}))
	}
	same("revocation", revoke(f.rt), revoke(random))

	// All of it still works at A.
	if !w.active(t, w.a, f.at) {
		t.Error("A's access token is no longer active")
	}
	if r := w.token(t, w.a, map[string]any{"parameters": "grant_type=refresh_token&refresh_token=" + f.rt, "clientId": "app", "clientSecret": w.a.app.ClientSecret}); r.Action != "OK" {
		t.Errorf("A's refresh token at A: %s %s", r.Action, r.ResponseContent)
	}
	if r := w.redeem(t, w.a, code); r.Action != "OK" {
		t.Errorf("A's code at A after B saw it: %s %s", r.Action, r.ResponseContent)
	}
	if c := w.code(t, w.a, ticket); c == "" {
		t.Error("A's ticket at A after B saw it: no code")
	}
}

// M06: an ID token of A verifies against A's JWK Set only, and its iss is
// A's issuer, never B's.
func secM06(t *testing.T, w *secWorld) {
	f := w.flow(t, w.a, "alice")
	jws, err := jose.ParseSignedCompact(f.idToken, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatalf("id_token: %v", err)
	}
	keysOf := func(tn secTenant) jose.JSONWebKeySet {
		var set jose.JSONWebKeySet
		w.expect(t, w.call(t, http.MethodGet, "/api/service/jwks/get", tn.key, tn.secret, "", ""), http.StatusOK, &set)
		return set
	}
	setA, setB := keysOf(w.a), keysOf(w.b)
	kid := jws.Signatures[0].Header.KeyID
	if len(setB.Key(kid)) != 0 {
		t.Errorf("B publishes A's key %s", kid)
	}
	for _, k := range setB.Keys {
		if _, err := jws.Verify(k); err == nil {
			t.Fatalf("A's ID token verifies with B's key %s", k.KeyID)
		}
	}
	ka := setA.Key(kid)
	if len(ka) != 1 {
		t.Fatalf("A's JWK Set has %d keys %s", len(ka), kid)
	}
	payload, err := jws.Verify(ka[0])
	if err != nil {
		t.Fatalf("A's ID token does not verify with A's key: %v", err)
	}
	var claims struct {
		Iss string `json:"iss"`
		Aud any    `json:"aud"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	var confB struct {
		Issuer string `json:"issuer"`
	}
	w.expect(t, w.call(t, http.MethodGet, "/api/service/configuration", w.b.key, w.b.secret, "", ""), http.StatusOK, &confB)
	if claims.Iss != w.a.issuer || confB.Issuer != w.b.issuer || claims.Iss == confB.Issuer {
		t.Errorf("iss %q; B's issuer %q", claims.Iss, confB.Issuer)
	}
	// aud names A's client: by its ID, or by its alias when the request used
	// it (the alias is the same in B: only iss and the keys tell them apart).
	if aud := fmt.Sprint(claims.Aud); aud != fmt.Sprint(w.a.app.ClientID) && aud != w.a.app.ClientIDAlias {
		t.Errorf("aud = %v, want A's client %d (%s)", claims.Aud, w.a.app.ClientID, w.a.app.ClientIDAlias)
	}
}

// M07: deleting service A deletes everything of A in the store — clients,
// keys, tickets, codes, tokens — and A's credentials; B is untouched.
func secM07(t *testing.T, w *secWorld) {
	fa, fb := w.flow(t, w.a, "alice"), w.flow(t, w.b, "bob")
	ticket := w.ticket(t, w.a)
	code := w.code(t, w.a, w.ticket(t, w.a))
	w.expect(t, w.call(t, http.MethodDelete, "/api/service/delete/"+w.a.key, mgmtAdminKey, mgmtAdminSecret, "", ""), http.StatusNoContent, nil)

	// A's credentials and record are gone.
	if rec := w.call(t, http.MethodGet, "/api/client/get/list", w.a.key, w.a.secret, "", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("A's key after the delete: %d", rec.Code)
	}
	if rec := w.post(t, w.a, "/api/auth/introspection/standard", map[string]any{"parameters": "token=" + fa.at}); rec.Code != http.StatusUnauthorized {
		t.Errorf("A's runtime call after the delete: %d", rec.Code)
	}
	if rec := w.call(t, http.MethodGet, "/api/service/get/"+w.a.key, mgmtAdminKey, mgmtAdminSecret, "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("operator reads A after the delete: %d", rec.Code)
	}

	// Below the API: nothing of A is left in the store.
	st, ctx := w.spy.Store, t.Context()
	if _, n, err := st.ListClients(ctx, w.a.apiKey, store.Page{End: 1000}); err != nil || n != 0 {
		t.Errorf("A's clients after the delete: %d, %v", n, err)
	}
	if _, n, err := st.ListTokens(ctx, w.a.apiKey, store.TokenFilter{}, store.Page{End: 1000}); err != nil || n != 0 {
		t.Errorf("A's tokens after the delete: %d, %v", n, err)
	}
	if keys, err := st.ListKeys(ctx, w.a.apiKey); err != nil || len(keys) != 0 {
		t.Errorf("A's keys after the delete: %d, %v", len(keys), err)
	}
	for _, raw := range []string{fa.at, fa.rt} {
		if _, err := st.GetToken(ctx, w.a.apiKey, secHash(raw)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("A's token after the delete: %v", err)
		}
	}
	if _, err := st.ConsumeTicket(ctx, w.a.apiKey, secHash(ticket)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("A's ticket after the delete: %v", err)
	}
	if _, err := st.ConsumeCode(ctx, w.a.apiKey, secHash(code)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("A's code after the delete: %v", err)
	}

	// B is untouched.
	if !w.active(t, w.b, fb.at) {
		t.Error("B's access token is no longer active")
	}
	var list clientListJSON
	w.expect(t, w.call(t, http.MethodGet, "/api/client/get/list", w.b.key, w.b.secret, "", ""), http.StatusOK, &list)
	if list.TotalCount != 1 {
		t.Errorf("B has %d clients after A's delete", list.TotalCount)
	}
	if r := w.token(t, w.b, map[string]any{"parameters": "grant_type=refresh_token&refresh_token=" + fb.rt, "clientId": "app", "clientSecret": w.b.app.ClientSecret}); r.Action != "OK" {
		t.Errorf("B's refresh after A's delete: %s %s", r.Action, r.ResponseContent)
	}
}

// M08: A over its requestRateLimit gets 429s; B's calls at the same moment
// all pass (one bucket per service).
func secM08(t *testing.T, w *secWorld) {
	var svc map[string]any
	w.expect(t, w.call(t, http.MethodGet, "/api/service/get/"+w.a.key, mgmtAdminKey, mgmtAdminSecret, "", ""), http.StatusOK, &svc)
	svc["requestRateLimit"] = 1
	w.expect(t, w.call(t, http.MethodPost, "/api/service/update/"+w.a.key, mgmtAdminKey, mgmtAdminSecret, "application/json", secJSON(t, svc)), http.StatusOK, nil)

	const n = 10
	start, passedA := time.Now(), 0
	for range n {
		rec := w.post(t, w.a, "/api/auth/introspection/standard", map[string]any{"parameters": "token=x"})
		switch rec.Code {
		case http.StatusOK:
			passedA++
		case http.StatusTooManyRequests:
			var body errorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			if body.ResultCode != "G000208" || rec.Header().Get("Retry-After") == "" {
				t.Errorf("429 = %s, Retry-After %q", rec.Body, rec.Header().Get("Retry-After"))
			}
		default:
			t.Fatalf("A: %d %s", rec.Code, rec.Body)
		}
		if rec := w.post(t, w.b, "/api/auth/introspection/standard", map[string]any{"parameters": "token=x"}); rec.Code != http.StatusOK {
			t.Errorf("B while A is limited: %d %s", rec.Code, rec.Body)
		}
	}
	// One call of burst, then one a second.
	if allowed := 2 + int(time.Since(start).Seconds()); passedA > allowed || passedA == n {
		t.Errorf("A passed %d of %d calls at 1/s in %v", passedA, n, time.Since(start))
	}
}

// M09: credentials and handles are 256-bit random values, all distinct;
// client IDs and API keys are uniformly random below 2^53 (DESIGN §1),
// never sequential; internal grant IDs are random UUIDs.
func secM09(t *testing.T, w *secWorld) {
	var handles []string
	for range 3 {
		tk := w.ticket(t, w.a)
		handles = append(handles, tk, w.code(t, w.a, tk))
		f := w.flow(t, w.a, "alice")
		handles = append(handles, f.at, f.rt)
	}
	handles = append(handles, w.a.secret, w.b.secret, w.a.app.ClientSecret, w.b.app.ClientSecret)
	seen := map[string]bool{}
	for _, h := range handles {
		b, err := base64.RawURLEncoding.DecodeString(h)
		if err != nil || len(b) < 32 {
			t.Errorf("%q: %d bytes (%v), want a 256-bit base64url value", h, len(b), err)
		}
		if seen[h] {
			t.Errorf("%q drawn twice", h)
		}
		seen[h] = true
	}

	ids := []int64{w.a.apiKey, w.b.apiKey, w.a.app.ClientID, w.b.app.ClientID}
	for range 16 {
		ids = append(ids, w.newClient(t, w.a, `{"clientName":"n","clientType":"PUBLIC","redirectUris":["http://127.0.0.1/cb"]}`).ClientID)
	}
	high := false
	for i, a := range ids {
		if a <= 0 || a >= 1<<53 {
			t.Errorf("ID %d outside [1, 2^53)", a)
		}
		high = high || a >= 1<<50
		for _, b := range ids[i+1:] {
			if d := a - b; d > -1<<20 && d < 1<<20 {
				t.Errorf("IDs %d and %d are within 2^20 of each other: sequential?", a, b)
			}
		}
	}
	if !high {
		t.Errorf("none of %d IDs reaches 2^50: not drawn from [1, 2^53): %v", len(ids), ids)
	}

	toks, _, err := w.spy.Store.ListTokens(t.Context(), w.a.apiKey, store.TokenFilter{}, store.Page{End: 1000})
	if err != nil || len(toks) == 0 {
		t.Fatalf("list tokens: %d, %v", len(toks), err)
	}
	for _, tok := range toks {
		if u, err := uuid.Parse(tok.GrantID); err != nil || u.Version() != 4 && u.Version() != 7 {
			t.Errorf("grant ID %q is not a random UUID (%v)", tok.GrantID, err)
		}
	}
}

// M10: "exists in another service" and "does not exist" get the same
// answer and cause the same store calls — the same work, so the same time.
func secM10(t *testing.T, w *secWorld) {
	f := w.flow(t, w.a, "alice")
	idA := fmt.Sprint(w.a.app.ClientID)
	unknown := fmt.Sprint(w.a.app.ClientID ^ 1<<40)
	random := secRandomToken()

	type probe struct {
		name string
		send func(who string) string // returns the answer, the identifier replaced by X
		a, b string                  // A's identifier, an unknown one
	}
	norm := func(rec *httptest.ResponseRecorder, who string) string {
		return fmt.Sprint(rec.Code, " ", strings.ReplaceAll(rec.Body.String(), who, "X"))
	}
	probes := []probe{
		{"client read", func(who string) string {
			return norm(w.call(t, http.MethodGet, "/api/client/get/"+who, w.b.key, w.b.secret, "", ""), who)
		}, idA, unknown},
		{"token endpoint", func(who string) string {
			return norm(w.post(t, w.b, "/api/auth/token", map[string]any{"parameters": "grant_type=client_credentials", "clientId": who, "clientSecret": w.a.app.ClientSecret}), who)
		}, idA, unknown},
		{"authorization", func(who string) string {
			return norm(w.post(t, w.b, "/api/auth/authorization", map[string]any{"parameters": "response_type=code&client_id=" + who + "&redirect_uri=" + url.QueryEscape(secRedirect)}), who)
		}, idA, unknown},
		{"introspection", func(who string) string {
			return norm(w.post(t, w.b, "/api/auth/introspection", map[string]any{"token": who}), who)
		}, f.at, random},
		{"userinfo", func(who string) string {
			return norm(w.post(t, w.b, "/api/auth/userinfo", map[string]any{"token": who}), who)
		}, f.at, random},
	}
	for _, p := range probes {
		w.spy.reset()
		theirs := p.send(p.a)
		callsTheirs := w.spy.reset()
		missing := p.send(p.b)
		callsMissing := w.spy.reset()
		if theirs != missing {
			t.Errorf("%s: answers differ:\n%s\n%s", p.name, theirs, missing)
		}
		if !slices.Equal(callsTheirs, callsMissing) || len(callsTheirs) == 0 {
			t.Errorf("%s: store calls differ: %v vs %v", p.name, callsTheirs, callsMissing)
		}
	}
}

// TestEndUserEvents is SECURITY R09 and R10 as far as the engine can take
// them: the end-user store, the sessions and the consents are the
// frontend's, so when a user revokes consent for a client, logs out
// everywhere, changes the password or is deleted, the frontend tells the
// engine through /api/auth/token/revoke (by subject, and client) and every
// refresh token of that user (and client) is invalid_grant from then on;
// other users and clients keep theirs. (T18 — a code issued before the
// deletion — is not covered: revocation by subject ends tokens, not codes
// still waiting to be redeemed; see docs/security-coverage.md.)
func TestEndUserEvents(t *testing.T) {
	refresh := func(t *testing.T, w *secWorld, tn secTenant, clientID, secret, rt string) tokenJSON {
		return w.token(t, tn, map[string]any{"parameters": "grant_type=refresh_token&refresh_token=" + rt, "clientId": clientID, "clientSecret": secret})
	}
	revoke := func(t *testing.T, w *secWorld, body map[string]any) int {
		var out tokenRevokedJSON
		w.expect(t, w.post(t, w.a, "/api/auth/token/revoke", body), http.StatusOK, &out)
		return out.Count
	}
	t.Run("R09_refresh_after_consent_revoked_or_logout", func(t *testing.T) {
		secBackends(t, func(t *testing.T, w *secWorld) {
			other := w.newClient(t, w.a, strings.Replace(secAppBody, `"clientIdAlias":"app"`, `"clientIdAlias":"other"`, 1))
			app := w.flow(t, w.a, "alice")
			bob := w.flow(t, w.a, "bob")
			cc := w.token(t, w.a, map[string]any{"parameters": "grant_type=client_credentials", "clientId": "other", "clientSecret": other.ClientSecret})
			if cc.Action != "OK" {
				t.Fatalf("client credentials: %s", cc.Action)
			}

			// Alice withdraws her consent for "app": her grants to it end.
			if n := revoke(t, w, map[string]any{"subject": "alice", "clientIdentifier": "app"}); n == 0 {
				t.Fatal("revocation by subject and client ended nothing")
			}
			if r := refresh(t, w, w.a, "app", w.a.app.ClientSecret, app.rt); !strings.Contains(r.ResponseContent, `"invalid_grant"`) {
				t.Errorf("alice's refresh token after consent revocation: %s %s", r.Action, r.ResponseContent)
			}
			if w.active(t, w.a, app.at) {
				t.Error("alice's access token is still active")
			}
			if !w.active(t, w.a, bob.at) || !w.active(t, w.a, cc.AccessToken) {
				t.Error("another user's or another client's tokens were ended")
			}

			// Bob logs out everywhere (or changes his password): all his grants end.
			second := w.flow(t, w.a, "bob")
			revoke(t, w, map[string]any{"subject": "bob"})
			for _, rt := range []string{bob.rt, second.rt} {
				if r := refresh(t, w, w.a, "app", w.a.app.ClientSecret, rt); !strings.Contains(r.ResponseContent, `"invalid_grant"`) {
					t.Errorf("bob's refresh token after logout: %s %s", r.Action, r.ResponseContent)
				}
			}
		})
	})
	t.Run("T18_code_of_a_deleted_user", func(t *testing.T) {
		secBackends(t, func(t *testing.T, w *secWorld) {
			pending := w.code(t, w.a, w.ticket(t, w.a)) // issued to "alice", not yet redeemed
			kept := w.code(t, w.b, w.ticket(t, w.b))    // alice at service B is another user
			revoke(t, w, map[string]any{"subject": "alice"})
			if r := w.redeem(t, w.a, pending); !strings.Contains(r.ResponseContent, `"invalid_grant"`) {
				t.Errorf("a deleted user's pending code: %s %s", r.Action, r.ResponseContent)
			}
			if r := w.redeem(t, w.b, kept); r.Action != "OK" {
				t.Errorf("the same subject at service B: %s %s", r.Action, r.ResponseContent)
			}
		})
	})
	t.Run("R10_refresh_after_user_deleted", func(t *testing.T) {
		secBackends(t, func(t *testing.T, w *secWorld) {
			gone, stays := w.flow(t, w.a, "carol"), w.flow(t, w.a, "dave")
			atB := w.flow(t, w.b, "carol") // the same subject at another service is another user
			if n := revoke(t, w, map[string]any{"subject": "carol"}); n < 2 {
				t.Fatalf("revocation of a deleted user ended %d tokens", n)
			}
			if r := refresh(t, w, w.a, "app", w.a.app.ClientSecret, gone.rt); !strings.Contains(r.ResponseContent, `"invalid_grant"`) {
				t.Errorf("a deleted user's refresh token: %s %s", r.Action, r.ResponseContent)
			}
			if r := refresh(t, w, w.a, "app", w.a.app.ClientSecret, stays.rt); r.Action != "OK" {
				t.Errorf("another user's refresh token: %s %s", r.Action, r.ResponseContent)
			}
			if r := refresh(t, w, w.b, "app", w.b.app.ClientSecret, atB.rt); r.Action != "OK" {
				t.Errorf("the same subject at service B: %s %s", r.Action, r.ResponseContent)
			}
		})
	})
}

// --- The fixture shared with TestStorageAttacks ---

const (
	secRedirect = "https://app.example/cb"
	// secAppBody is the client both services have, under the same alias.
	secAppBody = `{"clientName":"App","clientType":"CONFIDENTIAL","clientIdAlias":"app","redirectUris":["` + secRedirect + `"],` +
		`"grantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN","CLIENT_CREDENTIALS"],"responseTypes":["CODE"]}`
)

// secServiceBody is a service with the code, refresh and client
// credentials grants, OIDC scopes, and custom claims allowed (D04).
func secServiceBody(name, issuer string) string {
	return `{"serviceName":"` + name + `","issuer":"` + issuer + `",` +
		`"supportedGrantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN","CLIENT_CREDENTIALS"],` +
		`"supportedScopes":[{"name":"openid","defaultEntry":true},{"name":"profile"},{"name":"email"}],` +
		`"customClaimsAllowed":true}`
}

// secTenant is one service of the world and its client "app".
type secTenant struct {
	apiKey      int64
	key, secret string
	issuer      string
	app         clientJSON
}

// secWorld is the real router and engine over a spied store, with two
// services A and B made through the management API.
type secWorld struct {
	e      *echo.Echo
	engine *service.Engine
	spy    *secSpy
	db     *mongotest.Database // nil on memstore
	a, b   secTenant
}

// secBackends runs a case on memstore and on mongostore; the latter skips
// (or, in `make test`, fails) without GATEHOUSE_TEST_MONGO_URI, as every
// Mongo test of the project does.
func secBackends(t *testing.T, run func(*testing.T, *secWorld)) {
	t.Helper()
	t.Run("memstore", func(t *testing.T) { run(t, newSecWorld(t, memstore.New(), nil)) })
	t.Run("mongostore", func(t *testing.T) {
		db := mongotest.New(t)
		st, err := mongostore.Open(t.Context(), mongostore.Config{URI: db.URI, Database: db.Name, Timeout: 30 * time.Second})
		if err != nil {
			t.Fatalf("open mongostore: %v", err)
		}
		t.Cleanup(func() { _ = st.Close(context.Background()) })
		run(t, newSecWorld(t, st, &db))
	})
}

func newSecWorld(t *testing.T, st store.Store, db *mongotest.Database) *secWorld {
	t.Helper()
	spy := &secSpy{Store: st}
	eng := testEngine(t, spy)
	w := &secWorld{e: New(Config{Engine: eng, AdminKey: mgmtAdminKey, AdminSecret: mgmtAdminSecret}), engine: eng, spy: spy, db: db}
	w.a = w.newTenant(t, "Shop A", "https://login.a.example")
	w.b = w.newTenant(t, "Shop B", "https://login.b.example")
	return w
}

func (w *secWorld) newTenant(t *testing.T, name, issuer string) secTenant {
	t.Helper()
	var out serviceJSON
	w.expect(t, w.call(t, http.MethodPost, "/api/service/create", mgmtAdminKey, mgmtAdminSecret, "application/json", secServiceBody(name, issuer)), http.StatusCreated, &out)
	tn := secTenant{apiKey: out.APIKey, key: strconv.FormatInt(out.APIKey, 10), secret: out.APISecret, issuer: issuer}
	tn.app = w.newClient(t, tn, secAppBody)
	return tn
}

func (w *secWorld) newClient(t *testing.T, tn secTenant, body string) clientJSON {
	t.Helper()
	var c clientJSON
	w.expect(t, w.call(t, http.MethodPost, "/api/client/create", tn.key, tn.secret, "application/json", body), http.StatusCreated, &c)
	return c
}

// call sends one request through the router, held against openapi.yaml.
func (w *secWorld) call(t *testing.T, method, path, key, secret, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	return (&mgmt{t: t, e: w.e}).call(method, path, key, secret, contentType, body)
}

func (w *secWorld) expect(t *testing.T, rec *httptest.ResponseRecorder, status int, out any) {
	t.Helper()
	(&mgmt{t: t, e: w.e}).expect(rec, status, out)
}

// post sends a JSON runtime call with tn's credentials.
func (w *secWorld) post(t *testing.T, tn secTenant, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	return w.call(t, http.MethodPost, path, tn.key, tn.secret, "application/json", secJSON(t, body))
}

func (w *secWorld) authorize(t *testing.T, tn secTenant, params url.Values) authorizationJSON {
	t.Helper()
	return secDecode[authorizationJSON](t, w.post(t, tn, "/api/auth/authorization", map[string]any{"parameters": params.Encode()}))
}

func secFlowParams() url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {"app"}, "redirect_uri": {secRedirect},
		"scope": {"openid profile"}, "state": {"s-1"}, "nonce": {"n-1"}}
}

// ticket starts the code flow of tn's app and returns the live ticket.
func (w *secWorld) ticket(t *testing.T, tn secTenant) string {
	t.Helper()
	a := w.authorize(t, tn, secFlowParams())
	if a.Action != "INTERACTION" || a.Ticket == "" {
		t.Fatalf("authorization = %s %s", a.Action, a.ResultMessage)
	}
	return a.Ticket
}

// issue answers a ticket for subject "alice" with claims (a JSON object
// string, or "") and properties.
func (w *secWorld) issue(t *testing.T, tn secTenant, ticket, claims string, props []propertyJSON) authorizationJSON {
	t.Helper()
	body := map[string]any{"ticket": ticket, "subject": "alice", "authTime": time.Now().Add(-time.Minute).Unix()}
	if claims != "" {
		body["claims"] = claims
	}
	if props != nil {
		body["properties"] = props
	}
	return secDecode[authorizationJSON](t, w.post(t, tn, "/api/auth/authorization/issue", body))
}

// code issues a ticket and returns the authorization code.
func (w *secWorld) code(t *testing.T, tn secTenant, ticket string) string {
	t.Helper()
	a := w.issue(t, tn, ticket, "", nil)
	if a.Action != "LOCATION" || a.AuthorizationCode == "" {
		t.Fatalf("issue = %s %s", a.Action, a.ResultMessage)
	}
	return a.AuthorizationCode
}

func (w *secWorld) token(t *testing.T, tn secTenant, body map[string]any) tokenJSON {
	t.Helper()
	return secDecode[tokenJSON](t, w.post(t, tn, "/api/auth/token", body))
}

func (w *secWorld) redeem(t *testing.T, tn secTenant, code string) tokenJSON {
	t.Helper()
	return w.token(t, tn, map[string]any{
		"parameters": "grant_type=authorization_code&code=" + url.QueryEscape(code) + "&redirect_uri=" + url.QueryEscape(secRedirect),
		"clientId":   "app", "clientSecret": tn.app.ClientSecret,
	})
}

// secFlow is what one code flow handed out.
type secFlow struct{ ticket, code, at, rt, idToken string }

// flow runs the code flow of tn's app (scope "openid profile") for the
// end-user subject and returns what it handed out.
func (w *secWorld) flow(t *testing.T, tn secTenant, subject string) secFlow {
	t.Helper()
	f := secFlow{ticket: w.ticket(t, tn)}
	body := map[string]any{"ticket": f.ticket, "subject": subject, "authTime": time.Now().Add(-time.Minute).Unix()}
	a := secDecode[authorizationJSON](t, w.post(t, tn, "/api/auth/authorization/issue", body))
	if a.Action != "LOCATION" || a.AuthorizationCode == "" {
		t.Fatalf("issue = %s %s", a.Action, a.ResultMessage)
	}
	f.code = a.AuthorizationCode
	r := w.redeem(t, tn, f.code)
	if r.Action != "OK" || r.AccessToken == "" || r.RefreshToken == "" || r.IDToken == "" {
		t.Fatalf("token = %s %s %s", r.Action, r.ResultMessage, r.ResponseContent)
	}
	f.at, f.rt, f.idToken = r.AccessToken, r.RefreshToken, r.IDToken
	return f
}

// active asks tn's RFC 7662 introspection about a token.
func (w *secWorld) active(t *testing.T, tn secTenant, token string) bool {
	t.Helper()
	r := secDecode[runtimeResultJSON](t, w.post(t, tn, "/api/auth/introspection/standard", map[string]any{"parameters": "token=" + url.QueryEscape(token)}))
	return strings.HasPrefix(r.ResponseContent, `{"active":true`)
}

// secDecode requires a 200 and decodes the answer.
func secDecode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var out T
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return out
}

func secJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// secHash is how the engine keys a stored token, code or ticket.
func secHash(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// secRandomToken is a value shaped like the engine's handles that no one
// issued.
func secRandomToken() string {
	return base64.RawURLEncoding.EncodeToString([]byte(uuid.NewString()[:32]))
}

// secSpy is a store that logs the calls it serves (method names) and keeps
// every record written through it, for the checks that look below the API.
type secSpy struct {
	store.Store
	mu     sync.Mutex
	calls  []string
	writes []any
}

func (s *secSpy) log(call string, record any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
	if record != nil {
		s.writes = append(s.writes, record)
	}
}

// reset returns the calls logged since the last reset.
func (s *secSpy) reset() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := s.calls
	s.calls = nil
	return calls
}

// lookups counts the calls logged since the last reset other than the
// authentication of the caller (GetService), which every API call makes.
func (s *secSpy) lookups() []string {
	var out []string
	for _, c := range s.reset() {
		if c != "GetService" {
			out = append(out, c)
		}
	}
	return out
}

func (s *secSpy) recorded() []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.writes)
}

func (s *secSpy) GetService(ctx context.Context, id int64) (store.Service, error) {
	s.log("GetService", nil)
	return s.Store.GetService(ctx, id)
}
func (s *secSpy) CreateService(ctx context.Context, v store.Service) error {
	s.log("CreateService", v)
	return s.Store.CreateService(ctx, v)
}
func (s *secSpy) UpdateService(ctx context.Context, v store.Service) error {
	s.log("UpdateService", v)
	return s.Store.UpdateService(ctx, v)
}
func (s *secSpy) GetClient(ctx context.Context, sid, cid int64) (store.Client, error) {
	s.log("GetClient", nil)
	return s.Store.GetClient(ctx, sid, cid)
}
func (s *secSpy) GetClientByAlias(ctx context.Context, sid int64, alias string) (store.Client, error) {
	s.log("GetClientByAlias", nil)
	return s.Store.GetClientByAlias(ctx, sid, alias)
}
func (s *secSpy) ListClients(ctx context.Context, sid int64, p store.Page) ([]store.Client, int, error) {
	s.log("ListClients", nil)
	return s.Store.ListClients(ctx, sid, p)
}
func (s *secSpy) CreateClient(ctx context.Context, v store.Client) error {
	s.log("CreateClient", v)
	return s.Store.CreateClient(ctx, v)
}
func (s *secSpy) UpdateClient(ctx context.Context, v store.Client) error {
	s.log("UpdateClient", v)
	return s.Store.UpdateClient(ctx, v)
}
func (s *secSpy) CreateTicket(ctx context.Context, v store.Ticket) error {
	s.log("CreateTicket", v)
	return s.Store.CreateTicket(ctx, v)
}
func (s *secSpy) ConsumeTicket(ctx context.Context, sid int64, hash string) (store.Ticket, error) {
	s.log("ConsumeTicket", nil)
	return s.Store.ConsumeTicket(ctx, sid, hash)
}
func (s *secSpy) CreateKey(ctx context.Context, v store.SigningKey) error {
	s.log("CreateKey", v)
	return s.Store.CreateKey(ctx, v)
}
func (s *secSpy) ListKeys(ctx context.Context, sid int64) ([]store.SigningKey, error) {
	s.log("ListKeys", nil)
	return s.Store.ListKeys(ctx, sid)
}
func (s *secSpy) CreateCode(ctx context.Context, v store.AuthorizationCode) error {
	s.log("CreateCode", v)
	return s.Store.CreateCode(ctx, v)
}
func (s *secSpy) ConsumeCode(ctx context.Context, sid int64, hash string) (store.AuthorizationCode, error) {
	s.log("ConsumeCode", nil)
	return s.Store.ConsumeCode(ctx, sid, hash)
}
func (s *secSpy) CreateToken(ctx context.Context, v store.Token) error {
	s.log("CreateToken", v)
	return s.Store.CreateToken(ctx, v)
}
func (s *secSpy) GetToken(ctx context.Context, sid int64, hash string) (store.Token, error) {
	s.log("GetToken", nil)
	return s.Store.GetToken(ctx, sid, hash)
}
func (s *secSpy) ListTokens(ctx context.Context, sid int64, f store.TokenFilter, p store.Page) ([]store.Token, int, error) {
	s.log("ListTokens", nil)
	return s.Store.ListTokens(ctx, sid, f, p)
}
func (s *secSpy) Claim(ctx context.Context, sid int64, kind, key string, exp time.Time) error {
	s.log("Claim", [2]string{kind, key})
	return s.Store.Claim(ctx, sid, kind, key, exp)
}
func (s *secSpy) Claimed(ctx context.Context, sid int64, kind, key string) (bool, error) {
	s.log("Claimed", nil)
	return s.Store.Claimed(ctx, sid, kind, key)
}

// secStrings collects every string and byte slice (as a string) inside v,
// however deeply nested: what a dump of the record would show.
func secStrings(v reflect.Value, out *[]string) {
	switch v.Kind() {
	case reflect.String:
		*out = append(*out, v.String())
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(b), v)
			*out = append(*out, string(b))
			return
		}
		for i := range v.Len() {
			secStrings(v.Index(i), out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			secStrings(v.Field(i), out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			secStrings(k, out)
			secStrings(v.MapIndex(k), out)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			secStrings(v.Elem(), out)
		}
	}
}

// secContains reports whether raw, or the bytes it encodes, appear in any
// of the dumped values.
func secContains(dump []string, raw string) bool {
	decoded, _ := base64.RawURLEncoding.DecodeString(raw)
	for _, s := range dump {
		if strings.Contains(s, raw) || len(decoded) >= 16 && bytes.Contains([]byte(s), decoded) {
			return true
		}
	}
	return false
}
