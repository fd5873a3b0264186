package service

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
)

func TestDiscovery(t *testing.T) {
	full := testService()
	full.AuthorizationEndpoint = "https://as.example.com/authorize"
	full.TokenEndpoint = "https://as.example.com/token"
	full.UserInfoEndpoint = "https://as.example.com/userinfo"
	full.JWKSURI = "https://as.example.com/jwks"
	full.RevocationEndpoint = "https://as.example.com/revoke"
	full.IntrospectionEndpoint = "https://as.example.com/introspect"

	m := Discovery(full)
	if m.Issuer != full.Issuer || m.JWKSURI != full.JWKSURI || m.TokenEndpoint != full.TokenEndpoint {
		t.Errorf("endpoints = %+v", m)
	}
	if !m.AuthorizationResponseIssParameterSupported || m.RequestURIParameterSupported || m.RequestParameterSupported {
		t.Error("iss (RFC 9207) is supported; request objects are not and must say so")
	}
	if !slices.Equal(m.CodeChallengeMethodsSupported, []string{"S256"}) {
		t.Errorf("code_challenge_methods_supported = %v; S256 is required by default", m.CodeChallengeMethodsSupported)
	}
	if !slices.Equal(m.TokenEndpointAuthSigningAlgValuesSupported, []string{"RS256", "ES256"}) {
		t.Errorf("private_key_jwt is on: signing algs = %v", m.TokenEndpointAuthSigningAlgValuesSupported)
	}
	if slices.Contains(m.IntrospectionEndpointAuthMethodsSupported, oauth.AuthNone) || !slices.Contains(m.RevocationEndpointAuthMethodsSupported, oauth.AuthNone) {
		t.Errorf("introspection needs authentication, revocation allows public clients: %v / %v",
			m.IntrospectionEndpointAuthMethodsSupported, m.RevocationEndpointAuthMethodsSupported)
	}
	if !slices.Contains(m.ClaimsSupported, "sub") || !slices.Contains(m.ClaimsSupported, "email") {
		t.Errorf("claims_supported = %v", m.ClaimsSupported)
	}
	if !slices.Equal(m.ScopesSupported, []string{"openid", "profile", "email", "address", "phone", "offline_access"}) {
		t.Errorf("scopes_supported = %v", m.ScopesSupported)
	}

	// Only what is supported: no endpoint that is not set, no PKCE without
	// the code grant, plain only when S256 is not required.
	bare := testService()
	bare.SupportedGrantTypes = []string{oauth.GrantClientCredentials}
	bare.SupportedResponseTypes = []string{}
	bare.SupportedTokenAuthMethods = []string{oauth.AuthClientSecretBasic}
	raw, err := json.Marshal(Discovery(bare))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, member := range []string{"authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint",
		"revocation_endpoint", "introspection_endpoint", "code_challenge_methods_supported",
		"token_endpoint_auth_signing_alg_values_supported"} {
		if _, ok := doc[member]; ok {
			t.Errorf("%s advertised though not supported: %v", member, doc[member])
		}
	}
	if rt, ok := doc["response_types_supported"].([]any); !ok || len(rt) != 0 {
		t.Errorf("response_types_supported = %v, want [] (REQUIRED, even when empty)", doc["response_types_supported"])
	}
	plain := testService()
	plain.PKCES256Required = false
	if got := Discovery(plain).CodeChallengeMethodsSupported; !slices.Equal(got, []string{"S256", "plain"}) {
		t.Errorf("without pkceS256Required: %v", got)
	}
}
