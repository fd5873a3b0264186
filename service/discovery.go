package service

import (
	"slices"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// ProviderMetadata is the discovery document of a service: OpenID Connect
// Discovery 1.0 §3 and RFC 8414 §2 in one, as the frontend republishes it at
// /.well-known/openid-configuration and /.well-known/oauth-authorization-server.
// It advertises only what the service really supports; an endpoint the
// service has not set is left out.
type ProviderMetadata struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint,omitempty"`
	TokenEndpoint                              string   `json:"token_endpoint,omitempty"`
	UserInfoEndpoint                           string   `json:"userinfo_endpoint,omitempty"`
	JWKSURI                                    string   `json:"jwks_uri,omitempty"`
	RevocationEndpoint                         string   `json:"revocation_endpoint,omitempty"`
	IntrospectionEndpoint                      string   `json:"introspection_endpoint,omitempty"`
	ScopesSupported                            []string `json:"scopes_supported"`
	ResponseTypesSupported                     []string `json:"response_types_supported"`
	ResponseModesSupported                     []string `json:"response_modes_supported"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	SubjectTypesSupported                      []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported           []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgValuesSupported []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	RevocationEndpointAuthMethodsSupported     []string `json:"revocation_endpoint_auth_methods_supported,omitempty"`
	IntrospectionEndpointAuthMethodsSupported  []string `json:"introspection_endpoint_auth_methods_supported,omitempty"`
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported,omitempty"`
	ClaimsSupported                            []string `json:"claims_supported"`
	// The request object and request_uri parameters are not supported yet:
	// request_uri_parameter_supported defaults to true, so say it (OIDC
	// Discovery §3).
	RequestParameterSupported                  bool `json:"request_parameter_supported"`
	RequestURIParameterSupported               bool `json:"request_uri_parameter_supported"`
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
}

// registeredClaims are the claims of every ID token, advertised with the
// service's end-user claims.
var registeredClaims = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid"}

// Discovery builds the discovery document of svc.
func Discovery(svc store.Service) ProviderMetadata {
	scopes := make([]string, len(svc.SupportedScopes))
	for i, s := range svc.SupportedScopes {
		scopes[i] = s.Name
	}
	m := ProviderMetadata{
		Issuer:                                     svc.Issuer,
		AuthorizationEndpoint:                      svc.AuthorizationEndpoint,
		TokenEndpoint:                              svc.TokenEndpoint,
		UserInfoEndpoint:                           svc.UserInfoEndpoint,
		JWKSURI:                                    svc.JWKSURI,
		RevocationEndpoint:                         svc.RevocationEndpoint,
		IntrospectionEndpoint:                      svc.IntrospectionEndpoint,
		ScopesSupported:                            scopes,
		ResponseTypesSupported:                     append([]string{}, svc.SupportedResponseTypes...),
		ResponseModesSupported:                     append([]string{}, svc.SupportedResponseModes...),
		GrantTypesSupported:                        append([]string{}, svc.SupportedGrantTypes...),
		SubjectTypesSupported:                      []string{"public"},
		IDTokenSigningAlgValuesSupported:           slices.Clone(signingAlgs),
		TokenEndpointAuthMethodsSupported:          append([]string{}, svc.SupportedTokenAuthMethods...),
		ClaimsSupported:                            append(slices.Clone(registeredClaims), svc.SupportedClaims...),
		AuthorizationResponseIssParameterSupported: true,
	}
	if slices.Contains(svc.SupportedTokenAuthMethods, oauth.AuthPrivateKeyJWT) {
		m.TokenEndpointAuthSigningAlgValuesSupported = slices.Clone(signingAlgs)
	}
	// Revocation takes the token endpoint's client authentication (RFC 7009
	// §2.1, public clients included); introspection is for authenticated
	// callers only (RFC 7662 §2.1).
	if m.RevocationEndpoint != "" {
		m.RevocationEndpointAuthMethodsSupported = m.TokenEndpointAuthMethodsSupported
	}
	if m.IntrospectionEndpoint != "" {
		m.IntrospectionEndpointAuthMethodsSupported = slices.DeleteFunc(slices.Clone(m.TokenEndpointAuthMethodsSupported), func(s string) bool { return s == oauth.AuthNone })
	}
	if slices.Contains(svc.SupportedGrantTypes, oauth.GrantAuthorizationCode) {
		m.CodeChallengeMethodsSupported = []string{"S256"}
		if !svc.PKCES256Required {
			m.CodeChallengeMethodsSupported = append(m.CodeChallengeMethodsSupported, "plain")
		}
	}
	return m
}
