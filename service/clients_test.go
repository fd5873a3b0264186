package service

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

func TestRedirectURIRegistration(t *testing.T) {
	cases := []struct {
		name, uri, appType string
		ok                 bool
	}{
		{"https", "https://app.example.com/cb", oauth.AppWeb, true},
		{"https with query", "https://app.example.com/cb?foo=bar", oauth.AppWeb, true},
		{"http loopback IPv4", "http://127.0.0.1/cb", oauth.AppWeb, true},
		{"http loopback IPv6", "http://[::1]:8080/cb", oauth.AppNative, true},
		{"http localhost", "http://localhost:9000/callback", oauth.AppWeb, true},
		{"native private-use scheme", "com.example.app:/oauth2redirect", oauth.AppNative, true},
		{"A12 fragment", "https://app.example.com/cb#frag", oauth.AppWeb, false},
		{"A12 empty fragment", "https://app.example.com/cb#", oauth.AppWeb, false},
		{"A15 http non-loopback", "http://app.example.com/cb", oauth.AppWeb, false},
		{"A15 javascript", "javascript:alert(1)", oauth.AppWeb, false},
		{"A15 data", "data:text/html,hi", oauth.AppNative, false},
		{"A15 wildcard host", "https://*.example.com/cb", oauth.AppWeb, false},
		{"A15 wildcard path", "https://app.example.com/*", oauth.AppWeb, false},
		{"relative", "/cb", oauth.AppWeb, false},
		{"no host", "https:///cb", oauth.AppWeb, false},
		{"userinfo", "https://user:pw@app.example.com/cb", oauth.AppWeb, false},
		{"custom scheme for web client", "com.example.app:/cb", oauth.AppWeb, false},
		{"custom scheme without dot", "myapp:/cb", oauth.AppNative, false},
		{"file", "file:///etc/passwd", oauth.AppNative, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := checkRedirectURI(tc.uri, tc.appType)
			if (msg == "") != tc.ok {
				t.Fatalf("checkRedirectURI(%q, %s) = %q, want ok=%v", tc.uri, tc.appType, msg, tc.ok)
			}
		})
	}
}

func TestClientValidation(t *testing.T) {
	svc := testService()
	svc.SupportedScopes = []store.Scope{{Name: "openid"}, {Name: "read"}}
	cases := []struct {
		name   string
		edit   func(c *store.Client)
		fields []string // nil: valid
	}{
		{"valid confidential", func(c *store.Client) {}, nil},
		{"valid public", func(c *store.Client) { c.ClientType = oauth.ClientPublic }, nil},
		{"name required", func(c *store.Client) { c.ClientName = "" }, []string{"clientName"}},
		{"type required", func(c *store.Client) { c.ClientType = "" }, []string{"clientType"}},
		{"redirect required for code", func(c *store.Client) { c.RedirectURIs = nil }, []string{"redirectUris"}},
		{"no redirect needed for client_credentials", func(c *store.Client) {
			c.RedirectURIs, c.GrantTypes, c.ResponseTypes = nil, []string{oauth.GrantClientCredentials}, []string{}
		}, nil},
		{"duplicate redirect", func(c *store.Client) { c.RedirectURIs = append(c.RedirectURIs, c.RedirectURIs[0]) }, []string{"redirectUris[1]"}},
		{"too many redirects", func(c *store.Client) {
			c.RedirectURIs = nil
			for i := range 51 {
				c.RedirectURIs = append(c.RedirectURIs, "https://app.example.com/cb"+itoa(int64(i)))
			}
		}, []string{"redirectUris"}},
		{"grant not enabled on service", func(c *store.Client) { c.GrantTypes = []string{oauth.GrantPassword} }, []string{"grantTypes[0]"}},
		{"response type needs its grant", func(c *store.Client) {
			c.GrantTypes, c.ResponseTypes = []string{oauth.GrantClientCredentials}, []string{oauth.ResponseCode}
		}, []string{"responseTypes[0]"}},
		{"public client_credentials", func(c *store.Client) {
			c.ClientType = oauth.ClientPublic
			c.GrantTypes = []string{oauth.GrantAuthorizationCode, oauth.GrantClientCredentials}
		}, []string{"grantTypes"}},
		{"public must not authenticate", func(c *store.Client) {
			c.ClientType, c.TokenAuthMethod = oauth.ClientPublic, oauth.AuthClientSecretBasic
		}, []string{"tokenAuthMethod"}},
		{"confidential must authenticate", func(c *store.Client) { c.TokenAuthMethod = oauth.AuthNone }, []string{"tokenAuthMethod"}},
		{"client_secret_jwt refused", func(c *store.Client) { c.TokenAuthMethod = "client_secret_jwt" }, []string{"tokenAuthMethod"}},
		{"private_key_jwt needs keys", func(c *store.Client) { c.TokenAuthMethod = oauth.AuthPrivateKeyJWT }, []string{"jwksUri"}},
		{"private_key_jwt with jwks", func(c *store.Client) {
			c.TokenAuthMethod, c.JWKS = oauth.AuthPrivateKeyJWT, `{"keys":[]}`
		}, nil},
		{"jwks not a set", func(c *store.Client) { c.JWKS = `{"kty":"RSA"}` }, []string{"jwks"}},
		{"jwks and jwksUri", func(c *store.Client) {
			c.JWKS, c.JWKSURI = `{"keys":[]}`, "https://app.example.com/jwks"
		}, []string{"jwks"}},
		{"jwksUri over http", func(c *store.Client) { c.JWKSURI = "http://app.example.com/jwks" }, []string{"jwksUri"}},
		{"unknown alg", func(c *store.Client) { c.IDTokenSignAlg = "none" }, []string{"idTokenSignAlg"}},
		{"requestable scope not on service", func(c *store.Client) {
			c.RequestableScopes = []string{"read", "admin"}
		}, []string{"extension.requestableScopes[1]"}},
		{"alias all digits", func(c *store.Client) { c.ClientIDAlias = "12345" }, []string{"clientIdAlias"}},
		{"alias bad characters", func(c *store.Client) { c.ClientIDAlias = "my app" }, []string{"clientIdAlias"}},
		{"negative duration", func(c *store.Client) { c.AccessTokenDuration = -1 }, []string{"extension.accessTokenDuration"}},
		{"logo over http", func(c *store.Client) { c.LogoURI = "javascript:alert(1)" }, []string{"logoUri"}},
		{"every problem at once", func(c *store.Client) {
			c.ClientName, c.ClientIDAlias, c.RedirectURIs = "", "1", []string{"http://evil.example/cb"}
		}, []string{"clientIdAlias", "clientName", "redirectUris[0]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testClient(oauth.ClientConfidential)
			tc.edit(&c)
			got := ValidateClient(svc, c)
			var names []string
			for _, f := range got {
				names = append(names, f.Field)
			}
			if !slices.Equal(names, tc.fields) {
				t.Fatalf("bad fields = %v (%v), want %v", names, got, tc.fields)
			}
		})
	}
}

func TestServiceValidation(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(s *store.Service)
		fields []string
	}{
		{"defaults", func(s *store.Service) {}, nil},
		{"issuer http loopback", func(s *store.Service) { s.Issuer = "http://localhost:9000" }, nil},
		{"name and issuer required", func(s *store.Service) { s.ServiceName, s.Issuer = "", "" }, []string{"issuer", "serviceName"}},
		{"issuer with query", func(s *store.Service) { s.Issuer = "https://as.example.com/?x=1" }, []string{"issuer"}},
		{"issuer with fragment", func(s *store.Service) { s.Issuer = "https://as.example.com/#x" }, []string{"issuer"}},
		{"issuer over http", func(s *store.Service) { s.Issuer = "http://as.example.com" }, []string{"issuer"}},
		{"scope grammar", func(s *store.Service) { s.SupportedScopes = []store.Scope{{Name: "a b"}, {Name: "ok"}, {Name: "ok"}} }, []string{"supportedScopes[0].name", "supportedScopes[2].name"}},
		{"unknown grant", func(s *store.Service) { s.SupportedGrantTypes = []string{"magic"} }, []string{"supportedGrantTypes[0]", "supportedResponseTypes[0]"}},
		{"hybrid needs implicit", func(s *store.Service) {
			s.SupportedResponseTypes = []string{oauth.ResponseCode, oauth.ResponseCodeIDToken}
		}, []string{"supportedResponseTypes[1]"}},
		{"code lifetime over 10 minutes", func(s *store.Service) { s.AuthorizationCodeDuration = 601 }, []string{"authorizationCodeDuration"}},
		{"zero access token lifetime", func(s *store.Service) { s.AccessTokenDuration = 0 }, []string{"accessTokenDuration"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testService()
			tc.edit(&s)
			var names []string
			for _, f := range ValidateService(s) {
				names = append(names, f.Field)
			}
			if !slices.Equal(names, tc.fields) {
				t.Fatalf("bad fields = %v, want %v", names, tc.fields)
			}
		})
	}
}

func TestClientLifecycle(t *testing.T) {
	e := newTestEngine(t)
	ctx := context.Background()
	svc, _ := mustCreateService(t, e)

	in := testClient(oauth.ClientConfidential)
	in.ClientIDAlias = "my-app"
	c, secret, err := e.CreateClient(ctx, svc, in)
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	if secret == "" || !bytes.Equal(c.ClientSecretHash, HashSecret(secret)) {
		t.Fatal("a confidential client gets a secret, stored as its hash")
	}
	if c.TokenAuthMethod != oauth.AuthClientSecretBasic || !slices.Equal(c.ResponseTypes, []string{oauth.ResponseCode}) {
		t.Errorf("defaults not applied: %s %v", c.TokenAuthMethod, c.ResponseTypes)
	}

	for _, ident := range []string{itoa(c.ClientID), "my-app"} {
		got, err := e.GetClient(ctx, svc.APIKey, ident)
		if err != nil || got.ClientID != c.ClientID {
			t.Errorf("GetClient(%q) = %d, %v", ident, got.ClientID, err)
		}
	}

	// The alias is unique within the service.
	dup := testClient(oauth.ClientPublic)
	dup.ClientIDAlias = "my-app"
	if _, _, err := e.CreateClient(ctx, svc, dup); kindOf(t, err) != KindConflict {
		t.Fatalf("CreateClient(alias taken) = %v, want Conflict", err)
	}

	// Update replaces settings but keeps identity and secret.
	upd := testClient(oauth.ClientConfidential)
	upd.ClientName = "Renamed"
	got, newSecret, err := e.UpdateClient(ctx, svc, c.ClientID, upd)
	if err != nil {
		t.Fatalf("UpdateClient: %v", err)
	}
	if newSecret != "" || !bytes.Equal(got.ClientSecretHash, c.ClientSecretHash) || got.ClientIDAlias != "" || got.ClientName != "Renamed" {
		t.Errorf("UpdateClient = %+v, new secret %q", got, newSecret)
	}
	upd.ClientID = c.ClientID + 1
	if _, _, err := e.UpdateClient(ctx, svc, c.ClientID, upd); kindOf(t, err) != KindInvalid {
		t.Errorf("UpdateClient(clientId mismatch) = %v, want Invalid", err)
	}

	// Turning public drops the secret; turning confidential again issues one.
	pub := testClient(oauth.ClientPublic)
	got, _, err = e.UpdateClient(ctx, svc, c.ClientID, pub)
	if err != nil || got.ClientSecretHash != nil {
		t.Fatalf("UpdateClient(public) = %v, hash %x", err, got.ClientSecretHash)
	}
	if _, _, err := e.RefreshClientSecret(ctx, svc.APIKey, itoa(c.ClientID)); kindOf(t, err) != KindInvalid {
		t.Errorf("RefreshClientSecret(public) = %v, want Invalid", err)
	}
	got, secret, err = e.UpdateClient(ctx, svc, c.ClientID, testClient(oauth.ClientConfidential))
	if err != nil || secret == "" || !bytes.Equal(got.ClientSecretHash, HashSecret(secret)) {
		t.Fatalf("UpdateClient(confidential again) = %v, secret %q", err, secret)
	}

	// A refreshed secret replaces the old one.
	id, refreshed, err := e.RefreshClientSecret(ctx, svc.APIKey, itoa(c.ClientID))
	if err != nil || id != c.ClientID || refreshed == secret {
		t.Fatalf("RefreshClientSecret = %d, %q, %v", id, refreshed, err)
	}
	got, _ = e.GetClient(ctx, svc.APIKey, itoa(c.ClientID))
	if !secretMatches(got.ClientSecretHash, refreshed) || secretMatches(got.ClientSecretHash, secret) {
		t.Error("after a refresh only the new secret matches")
	}

	if err := e.DeleteClient(ctx, svc.APIKey, itoa(c.ClientID)); err != nil {
		t.Fatalf("DeleteClient: %v", err)
	}
	if _, err := e.GetClient(ctx, svc.APIKey, itoa(c.ClientID)); kindOf(t, err) != KindNotFound {
		t.Errorf("GetClient(deleted) = %v, want NotFound", err)
	}
}

// TestClientOfAnotherServiceIsNotFound is SECURITY M01/M10: another tenant's
// client is reported exactly like a missing one.
func TestClientOfAnotherServiceIsNotFound(t *testing.T) {
	e := newTestEngine(t)
	ctx := context.Background()
	a, _ := mustCreateService(t, e)
	b, _ := mustCreateService(t, e)
	in := testClient(oauth.ClientConfidential)
	in.ClientIDAlias = "shared"
	c, _, err := e.CreateClient(ctx, a, in)
	if err != nil {
		t.Fatal(err)
	}
	missing := func(ident string) string {
		_, err := e.GetClient(ctx, b.APIKey, ident)
		if kindOf(t, err) != KindNotFound {
			t.Fatalf("GetClient(B, %s) = %v, want NotFound", ident, err)
		}
		return strings.ReplaceAll(err.(*Error).ResultMessage(), ident, "ID")
	}
	if missing(itoa(c.ClientID)) != missing(itoa(c.ClientID+1)) {
		t.Error("another tenant's client and a missing client must read the same")
	}
	missing("shared")
	if _, _, err := e.UpdateClient(ctx, b, c.ClientID, testClient(oauth.ClientConfidential)); kindOf(t, err) != KindNotFound {
		t.Errorf("UpdateClient(B) = %v, want NotFound", err)
	}
	if err := e.DeleteClient(ctx, b.APIKey, itoa(c.ClientID)); kindOf(t, err) != KindNotFound {
		t.Errorf("DeleteClient(B) = %v, want NotFound", err)
	}
	if _, _, err := e.RefreshClientSecret(ctx, b.APIKey, "shared"); kindOf(t, err) != KindNotFound {
		t.Errorf("RefreshClientSecret(B) = %v, want NotFound", err)
	}
	// B may use the same alias for its own client.
	if _, _, err := e.CreateClient(ctx, b, in); err != nil {
		t.Errorf("CreateClient(B, same alias): %v", err)
	}
}
