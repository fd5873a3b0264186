package gatehouse

import (
	"context"
	"encoding/json"
	"net/http"
)

// ServiceConfiguration reads the service's discovery document (OIDC
// Discovery §3, RFC 8414 §2) as the engine renders it, to be republished
// as it is: the frontend never rebuilds it. Decode it into ProviderMetadata
// to read it.
func (c *Client) ServiceConfiguration(ctx context.Context) (json.RawMessage, error) {
	var doc json.RawMessage
	if err := c.Do(ctx, http.MethodGet, "/api/service/configuration", nil, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// ServiceJWKS reads the service's public JWK Set, to be republished at the
// frontend's jwks_uri. Private keys never leave the engine.
func (c *Client) ServiceJWKS(ctx context.Context) (json.RawMessage, error) {
	var doc json.RawMessage
	if err := c.Do(ctx, http.MethodGet, "/api/service/jwks/get", nil, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// KeysRotated is the answer of RotateKeys.
type KeysRotated struct {
	ResultCode    string `json:"resultCode"`
	ResultMessage string `json:"resultMessage"`
	// ActiveKeys sign from now on, one per algorithm.
	ActiveKeys []ActiveKey `json:"activeKeys"`
}

// ActiveKey names a signing key: its RFC 7638 thumbprint and algorithm.
type ActiveKey struct {
	KID string `json:"kid"`
	Alg string `json:"alg"`
}

// RotateKeys makes new signing keys active; the old public keys stay
// published until what they signed has expired.
func (c *Client) RotateKeys(ctx context.Context) (*KeysRotated, error) {
	return postJSON[KeysRotated](ctx, c, "/api/service/keys/rotate", nil)
}

// ProviderMetadata is the discovery document, for reading it. Members the
// struct does not name are dropped when decoding into it, which is why the
// frontend serves the raw document instead.
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
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported,omitempty"`
	ClaimsSupported                            []string `json:"claims_supported"`
}
