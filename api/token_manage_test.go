package api

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-oss/gatehouse/store"
)

// tokenHash is the stored form of a raw token, as the listing shows it.
func tokenHash(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// managed is a runtime fixture with a second, refreshable client "web".
type managed struct {
	*runtimeFixture
	web clientJSON
}

func newManaged(t *testing.T) *managed {
	f := newRuntimeFixture(t, store.ErrUnavailable)
	web := f.newClient(f.key, f.secret, `{"clientName":"Web","clientType":"CONFIDENTIAL","clientIdAlias":"web",
		"grantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN"],"responseTypes":["CODE"],"redirectUris":["https://app.example/cb"]}`)
	return &managed{runtimeFixture: f, web: web}
}

func (m *managed) create(body string) tokenCreatedJSON {
	m.t.Helper()
	var out tokenCreatedJSON
	m.expect(m.json(http.MethodPost, "/api/auth/token/create", m.key, m.secret, body), http.StatusOK, &out)
	return out
}

func (m *managed) list(query string) tokenListJSON {
	m.t.Helper()
	var out tokenListJSON
	rec := m.call(http.MethodGet, "/api/auth/token/get/list?"+query, m.key, m.secret, "", "")
	m.expect(rec, http.StatusOK, &out)
	return out
}

func (m *managed) revoke(body string) int {
	m.t.Helper()
	var out tokenRevokedJSON
	m.expect(m.json(http.MethodPost, "/api/auth/token/revoke", m.key, m.secret, body), http.StatusOK, &out)
	return out.Count
}

// active reports whether RFC 7662 introspection finds the token active.
func (m *managed) active(raw string) bool {
	m.t.Helper()
	var out struct{ ResponseContent string }
	body := `{"parameters":"` + url.Values{"token": {raw}}.Encode() + `"}`
	m.expect(m.json(http.MethodPost, "/api/auth/introspection/standard", m.key, m.secret, body), http.StatusOK, &out)
	return strings.HasPrefix(out.ResponseContent, `{"active":true`)
}

func TestTokenCreate(t *testing.T) {
	m := newManaged(t)
	web := m.create(`{"grantType":"AUTHORIZATION_CODE","clientId":` + itoa(m.web.ClientID) + `,"subject":"alice",
		"scopes":["profile","profile"],"accessTokenDuration":600,"properties":[{"key":"migrated","value":"yes"}]}`)
	if web.Action != "OK" || web.ResultCode != "G009001" || web.AccessToken == "" || web.RefreshToken == "" ||
		web.ExpiresIn != 600 || web.TokenType != "Bearer" || web.GrantType != "AUTHORIZATION_CODE" ||
		web.Subject != "alice" || strings.Join(web.Scopes, " ") != "profile" {
		t.Fatalf("create for web = %+v", web)
	}
	if !m.active(web.AccessToken) {
		t.Error("the created access token is not active")
	}
	// The minted refresh token works at the token endpoint like any other.
	body := url.Values{"parameters": {"grant_type=refresh_token&refresh_token=" + web.RefreshToken},
		"clientId": {"web"}, "clientSecret": {m.web.ClientSecret}}
	var refreshed tokenJSON
	m.expect(m.call(http.MethodPost, "/api/auth/token", m.key, m.secret, "application/x-www-form-urlencoded", body.Encode()), http.StatusOK, &refreshed)
	if refreshed.Action != "OK" || refreshed.Subject != "alice" {
		t.Fatalf("refresh of a created token = %+v", refreshed)
	}

	batch := m.create(`{"grantType":"CLIENT_CREDENTIALS","clientId":` + itoa(m.client.ClientID) + `,"scopes":["profile"]}`)
	if batch.AccessToken == "" || batch.RefreshToken != "" || batch.Subject != "" {
		t.Fatalf("client credentials token = %+v", batch)
	}

	cases := []struct {
		name, body string
		fields     []string
	}{
		{"nothing", `{}`, []string{"grantType", "clientId"}},
		{"unknown grant type", `{"grantType":"MAGIC","clientId":1}`, []string{"grantType"}},
		{"refresh token starts nothing", `{"grantType":"REFRESH_TOKEN","clientId":` + itoa(m.web.ClientID) + `,"subject":"a"}`, []string{"grantType"}},
		{"grant the client lacks", `{"grantType":"PASSWORD","clientId":` + itoa(m.web.ClientID) + `,"subject":"a"}`, []string{"grantType"}},
		{"no subject", `{"grantType":"AUTHORIZATION_CODE","clientId":` + itoa(m.web.ClientID) + `}`, []string{"subject"}},
		{"subject on client credentials", `{"grantType":"CLIENT_CREDENTIALS","clientId":` + itoa(m.client.ClientID) + `,"subject":"a"}`, []string{"subject"}},
		{"unknown client", `{"grantType":"AUTHORIZATION_CODE","clientId":12345,"subject":"a"}`, []string{"clientId"}},
		{"unknown scope", `{"grantType":"AUTHORIZATION_CODE","clientId":` + itoa(m.web.ClientID) + `,"subject":"a","scopes":["root"]}`, []string{"scopes[0]"}},
		{"openid without an end-user", `{"grantType":"CLIENT_CREDENTIALS","clientId":` + itoa(m.client.ClientID) + `,"scopes":["openid"]}`, []string{"scopes[0]"}},
		{"duration", `{"grantType":"AUTHORIZATION_CODE","clientId":` + itoa(m.web.ClientID) + `,"subject":"a","accessTokenDuration":-1}`, []string{"accessTokenDuration"}},
		{"unknown field", `{"grantType":"AUTHORIZATION_CODE","clientId":` + itoa(m.web.ClientID) + `,"subject":"a","accessToken":"mine"}`, []string{"accessToken"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out struct {
				ResultCode  string
				FieldErrors []struct{ Field string }
			}
			m.expect(m.json(http.MethodPost, "/api/auth/token/create", m.key, m.secret, tc.body), http.StatusBadRequest, &out)
			var got []string
			for _, f := range out.FieldErrors {
				got = append(got, f.Field)
			}
			for _, want := range tc.fields {
				if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+want+" ") {
					t.Errorf("fields %v do not name %s", got, want)
				}
			}
		})
	}
}

func TestTokenListAndRevoke(t *testing.T) {
	m := newManaged(t)
	mint := func(subject string) tokenCreatedJSON {
		return m.create(`{"grantType":"AUTHORIZATION_CODE","clientId":` + itoa(m.web.ClientID) + `,"subject":"` + subject + `","scopes":["profile"]}`)
	}
	alice1, alice2, bob := mint("alice"), mint("alice"), mint("bob")
	batch := m.accessToken("profile")

	all := m.list("")
	if all.TotalCount != 7 || len(all.AccessTokens) != 7 || all.ClientID != 0 {
		t.Fatalf("list everything = %+v", all)
	}
	byAlice := m.list("subject=alice")
	if byAlice.TotalCount != 4 || byAlice.Subject != "alice" {
		t.Fatalf("list by subject = %+v", byAlice)
	}
	want := map[string]bool{tokenHash(alice1.AccessToken): true, tokenHash(alice1.RefreshToken): true,
		tokenHash(alice2.AccessToken): true, tokenHash(alice2.RefreshToken): true}
	for _, e := range byAlice.AccessTokens {
		h := e.AccessTokenHash + e.RefreshTokenHash
		if !want[h] || e.ClientID != m.web.ClientID || e.GrantType != "AUTHORIZATION_CODE" || e.GrantID == "" {
			t.Errorf("unexpected entry %+v", e)
		}
	}
	byClient := m.list("clientIdentifier=batch")
	if byClient.TotalCount != 1 || byClient.ClientID != m.client.ClientID || byClient.AccessTokens[0].AccessTokenHash != tokenHash(batch) {
		t.Fatalf("list by client alias = %+v", byClient)
	}
	page := m.list("clientIdentifier=" + itoa(m.web.ClientID) + "&subject=alice&start=1&end=3")
	if page.TotalCount != 4 || len(page.AccessTokens) != 2 {
		t.Fatalf("second page = %+v", page)
	}
	// Hashes and metadata only: no raw token anywhere in a listing.
	rec := m.call(http.MethodGet, "/api/auth/token/get/list?end=100", m.key, m.secret, "", "")
	for _, raw := range []string{alice1.AccessToken, alice1.RefreshToken, alice2.AccessToken, bob.AccessToken, batch} {
		if strings.Contains(rec.Body.String(), raw) {
			t.Fatal("the listing shows a raw token")
		}
	}
	m.expect(m.call(http.MethodGet, "/api/auth/token/get/list?clientIdentifier=nobody", m.key, m.secret, "", ""), http.StatusNotFound, nil)
	m.expect(m.call(http.MethodGet, "/api/auth/token/get/list?end=-1", m.key, m.secret, "", ""), http.StatusBadRequest, nil)

	// One token, named by value, takes its grant; by hash works too.
	if n := m.revoke(`{"accessTokenIdentifier":"` + alice1.AccessToken + `"}`); n != 2 {
		t.Errorf("revoke by value revoked %d tokens, want 2", n)
	}
	if m.active(alice1.AccessToken) || m.active(alice1.RefreshToken) {
		t.Error("a revoked grant is still active")
	}
	if n := m.revoke(`{"refreshTokenIdentifier":"` + tokenHash(alice2.RefreshToken) + `"}`); n != 2 {
		t.Errorf("revoke by hash revoked %d tokens, want 2", n)
	}
	// The identifier must name a token of the kind its field says.
	if n := m.revoke(`{"refreshTokenIdentifier":"` + bob.AccessToken + `"}`); n != 0 || !m.active(bob.AccessToken) {
		t.Errorf("an access token named as a refresh token was revoked (%d)", n)
	}
	if n := m.revoke(`{"accessTokenIdentifier":"no-such-token"}`); n != 0 {
		t.Errorf("unknown token revoked %d", n)
	}
	// An owner: every token of the subject at the client.
	if n := m.revoke(`{"clientIdentifier":"web","subject":"bob"}`); n != 2 || m.active(bob.AccessToken) {
		t.Errorf("revoke by owner revoked %d", n)
	}
	if !m.active(batch) {
		t.Error("revoking web's tokens touched batch's")
	}
	for _, body := range []string{`{}`, `{"accessTokenIdentifier":"x","subject":"bob"}`} {
		m.expect(m.json(http.MethodPost, "/api/auth/token/revoke", m.key, m.secret, body), http.StatusBadRequest, nil)
	}
	m.expect(m.json(http.MethodPost, "/api/auth/token/revoke", m.key, m.secret, `{"clientIdentifier":"nobody"}`), http.StatusNotFound, nil)
}

func TestTokenDelete(t *testing.T) {
	m := newManaged(t)
	tok := m.create(`{"grantType":"AUTHORIZATION_CODE","clientId":` + itoa(m.web.ClientID) + `,"subject":"alice"}`)
	del := func(id string) *httptest.ResponseRecorder {
		return m.call(http.MethodDelete, "/api/auth/token/delete/"+url.PathEscape(id), m.key, m.secret, "", "")
	}
	m.expect(del(tokenHash(tok.RefreshToken)), http.StatusNoContent, nil)
	if m.active(tok.AccessToken) {
		t.Error("deleting the refresh token left its access token")
	}
	var out struct{ ResultCode string }
	m.expect(del(tok.AccessToken), http.StatusNotFound, &out)
	if out.ResultCode != "G009201" {
		t.Errorf("resultCode = %s", out.ResultCode)
	}
	other := m.create(`{"grantType":"AUTHORIZATION_CODE","clientId":` + itoa(m.web.ClientID) + `,"subject":"bob"}`)
	m.expect(del(other.AccessToken), http.StatusNoContent, nil)
	if m.active(other.RefreshToken) {
		t.Error("deleting the access token left its refresh token")
	}

	// A store outage is a 503, never a 404.
	live := m.create(`{"grantType":"AUTHORIZATION_CODE","clientId":` + itoa(m.web.ClientID) + `,"subject":"carol"}`)
	m.down = true
	m.expect(del(live.AccessToken), http.StatusServiceUnavailable, nil)
	m.expect(m.json(http.MethodPost, "/api/auth/token/revoke", m.key, m.secret, `{"accessTokenIdentifier":"`+live.AccessToken+`"}`), http.StatusServiceUnavailable, nil)
	m.down = false
	if !m.active(live.AccessToken) {
		t.Error("a failed delete lost the token")
	}
}

// TestTokenManagementTenantIsolation is SECURITY M05 for token management:
// service B can neither see, revoke, delete nor mint A's tokens, and each
// refusal reads as for something that does not exist.
func TestTokenManagementTenantIsolation(t *testing.T) {
	m := newManaged(t)
	tok := m.create(`{"grantType":"AUTHORIZATION_CODE","clientId":` + itoa(m.web.ClientID) + `,"subject":"alice"}`)
	bKey, bSecret := m.newService()

	var list tokenListJSON
	m.expect(m.call(http.MethodGet, "/api/auth/token/get/list", bKey, bSecret, "", ""), http.StatusOK, &list)
	if list.TotalCount != 0 {
		t.Errorf("B lists %d of A's tokens", list.TotalCount)
	}
	m.expect(m.call(http.MethodGet, "/api/auth/token/get/list?clientIdentifier=web", bKey, bSecret, "", ""), http.StatusNotFound, nil)
	for _, body := range []string{
		`{"accessTokenIdentifier":"` + tok.AccessToken + `"}`,
		`{"refreshTokenIdentifier":"` + tokenHash(tok.RefreshToken) + `"}`,
		`{"subject":"alice"}`,
	} {
		var out tokenRevokedJSON
		m.expect(m.json(http.MethodPost, "/api/auth/token/revoke", bKey, bSecret, body), http.StatusOK, &out)
		if out.Count != 0 {
			t.Errorf("B revoked %d of A's tokens with %s", out.Count, body)
		}
	}
	m.expect(m.call(http.MethodDelete, "/api/auth/token/delete/"+tok.AccessToken, bKey, bSecret, "", ""), http.StatusNotFound, nil)
	m.expect(m.json(http.MethodPost, "/api/auth/token/create", bKey, bSecret,
		`{"grantType":"AUTHORIZATION_CODE","clientId":`+itoa(m.web.ClientID)+`,"subject":"mallory"}`), http.StatusBadRequest, nil)
	if !m.active(tok.AccessToken) || !m.active(tok.RefreshToken) {
		t.Error("B's calls touched A's tokens")
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
