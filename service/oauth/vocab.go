package oauth

import "strings"

// Grant types (RFC 6749 §4, RFC 7523 §2.1).
const (
	GrantAuthorizationCode = "authorization_code"
	GrantImplicit          = "implicit"
	GrantPassword          = "password"
	GrantClientCredentials = "client_credentials"
	GrantRefreshToken      = "refresh_token"
	GrantJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// Response types (RFC 6749 §3.1.1, OAuth 2.0 Multiple Response Type Encoding
// Practices §5). A response type is a space-separated set; these are its
// canonical spellings.
const (
	ResponseNone             = "none"
	ResponseCode             = "code"
	ResponseToken            = "token"
	ResponseIDToken          = "id_token"
	ResponseCodeToken        = "code token"
	ResponseCodeIDToken      = "code id_token"
	ResponseIDTokenToken     = "id_token token"
	ResponseCodeIDTokenToken = "code id_token token"
)

// Client authentication methods at the token endpoint (RFC 6749 §2.3,
// OIDC Core §9). client_secret_jwt is deliberately absent: it needs the
// plaintext secret, and Gatehouse keeps only its hash.
const (
	AuthNone              = "none"
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
	AuthPrivateKeyJWT     = "private_key_jwt"
)

// Client types (RFC 6749 §2.1) and application types (OIDC Dynamic
// Client Registration §2).
const (
	ClientPublic       = "public"
	ClientConfidential = "confidential"
	AppWeb             = "web"
	AppNative          = "native"
)

// JWS algorithms for ID tokens.
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
)

// Vocabulary is one enumeration: the wire strings it allows, in a fixed
// order, each with its management constant name.
type Vocabulary struct {
	wires  []string
	byName map[string]string
	byWire map[string]string
}

func newVocabulary(pairs ...[2]string) Vocabulary {
	v := Vocabulary{byName: map[string]string{}, byWire: map[string]string{}}
	for _, p := range pairs {
		v.wires = append(v.wires, p[1])
		v.byName[p[0]] = p[1]
		v.byWire[p[1]] = p[0]
	}
	return v
}

// Wire returns the wire string for a management constant name.
func (v Vocabulary) Wire(name string) (string, bool) {
	w, ok := v.byName[name]
	return w, ok
}

// Name returns the management constant name of a wire string, or the wire
// string itself if it is not part of the vocabulary.
func (v Vocabulary) Name(wire string) string {
	if n, ok := v.byWire[wire]; ok {
		return n
	}
	return wire
}

// Names returns every constant name, in the vocabulary's order.
func (v Vocabulary) Names() []string {
	out := make([]string, len(v.wires))
	for i, w := range v.wires {
		out[i] = v.byWire[w]
	}
	return out
}

// Contains reports whether wire is part of the vocabulary.
func (v Vocabulary) Contains(wire string) bool {
	_, ok := v.byWire[wire]
	return ok
}

// The enumerations of the management API.
var (
	GrantTypes = newVocabulary(
		[2]string{"AUTHORIZATION_CODE", GrantAuthorizationCode},
		[2]string{"IMPLICIT", GrantImplicit},
		[2]string{"PASSWORD", GrantPassword},
		[2]string{"CLIENT_CREDENTIALS", GrantClientCredentials},
		[2]string{"REFRESH_TOKEN", GrantRefreshToken},
		[2]string{"JWT_BEARER", GrantJWTBearer},
	)
	ResponseTypes = newVocabulary(
		[2]string{"NONE", ResponseNone},
		[2]string{"CODE", ResponseCode},
		[2]string{"TOKEN", ResponseToken},
		[2]string{"ID_TOKEN", ResponseIDToken},
		[2]string{"CODE_TOKEN", ResponseCodeToken},
		[2]string{"CODE_ID_TOKEN", ResponseCodeIDToken},
		[2]string{"ID_TOKEN_TOKEN", ResponseIDTokenToken},
		[2]string{"CODE_ID_TOKEN_TOKEN", ResponseCodeIDTokenToken},
	)
	ClientAuthMethods = newVocabulary(
		[2]string{"NONE", AuthNone},
		[2]string{"CLIENT_SECRET_BASIC", AuthClientSecretBasic},
		[2]string{"CLIENT_SECRET_POST", AuthClientSecretPost},
		[2]string{"PRIVATE_KEY_JWT", AuthPrivateKeyJWT},
	)
	ClientTypes = newVocabulary(
		[2]string{"PUBLIC", ClientPublic},
		[2]string{"CONFIDENTIAL", ClientConfidential},
	)
	ApplicationTypes = newVocabulary(
		[2]string{"WEB", AppWeb},
		[2]string{"NATIVE", AppNative},
	)
	IDTokenSignAlgs = newVocabulary(
		[2]string{"RS256", AlgRS256},
		[2]string{"ES256", AlgES256},
	)
)

// GrantTypesFor returns the grant types a response type needs (OIDC Dynamic
// Client Registration §2): the code part is redeemed with
// authorization_code, anything returned from the authorization endpoint
// itself is the implicit grant.
func GrantTypesFor(responseType string) []string {
	var out []string
	parts := strings.Fields(responseType)
	for _, p := range parts {
		if p == "code" {
			out = append(out, GrantAuthorizationCode)
		}
	}
	for _, p := range parts {
		if p == "token" || p == "id_token" {
			out = append(out, GrantImplicit)
			break
		}
	}
	return out
}

// IsScopeToken reports whether s is a scope-token of RFC 6749 §3.3:
// one or more of %x21 / %x23-5B / %x5D-7E (printable ASCII except space,
// double quote and backslash).
func IsScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
