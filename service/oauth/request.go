package oauth

import (
	"regexp"
	"slices"
	"strings"
)

// responseTypeOrder is the canonical order of the parts of a response type.
var responseTypeOrder = []string{"code", "id_token", "token"}

// ParseResponseType returns the canonical spelling of a response_type value
// ("token id_token code" → "code id_token token"), or ok=false when it has
// an unknown or repeated part. The order of parts carries no meaning
// (OAuth 2.0 Multiple Response Type Encoding Practices §2).
func ParseResponseType(s string) (canonical string, ok bool) {
	parts := strings.Split(s, " ")
	if s == ResponseNone {
		return ResponseNone, true
	}
	seen := map[string]bool{}
	for _, p := range parts {
		if !slices.Contains(responseTypeOrder, p) || seen[p] {
			return "", false
		}
		seen[p] = true
	}
	var out []string
	for _, p := range responseTypeOrder {
		if seen[p] {
			out = append(out, p)
		}
	}
	return strings.Join(out, " "), true
}

// ResponseTypeHas reports whether a canonical response type includes part.
func ResponseTypeHas(responseType, part string) bool {
	return slices.Contains(strings.Fields(responseType), part)
}

// Response modes (OAuth 2.0 Multiple Response Type Encoding Practices §2.1,
// Form Post Response Mode).
const (
	ModeQuery    = "query"
	ModeFragment = "fragment"
	ModeFormPost = "form_post"
)

// ResponseModes is the vocabulary of response modes.
var ResponseModes = newVocabulary(
	[2]string{"QUERY", ModeQuery},
	[2]string{"FRAGMENT", ModeFragment},
	[2]string{"FORM_POST", ModeFormPost},
)

// DefaultResponseMode is the mode of a response type when the request names
// none: query for code and none, fragment as soon as a token or ID token
// comes from the authorization endpoint.
func DefaultResponseMode(responseType string) string {
	if ResponseTypeHas(responseType, "token") || ResponseTypeHas(responseType, "id_token") {
		return ModeFragment
	}
	return ModeQuery
}

// codeChallengePattern is RFC 7636 §4.2: 43 to 128 unreserved characters.
var codeChallengePattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// IsCodeChallenge reports whether s is a well-formed code_challenge (or
// code_verifier: the grammar is the same, RFC 7636 §4.1).
func IsCodeChallenge(s string) bool { return codeChallengePattern.MatchString(s) }

// PKCE methods (RFC 7636 §4.3).
const (
	PKCES256  = "S256"
	PKCEPlain = "plain"
)

// Prompt values (OIDC Core §3.1.2.1, Initiating User Registration §4).
var Prompts = newVocabulary(
	[2]string{"NONE", "none"},
	[2]string{"LOGIN", "login"},
	[2]string{"CONSENT", "consent"},
	[2]string{"SELECT_ACCOUNT", "select_account"},
	[2]string{"CREATE", "create"},
)

// Display values (OIDC Core §3.1.2.1).
var Displays = newVocabulary(
	[2]string{"PAGE", "page"},
	[2]string{"POPUP", "popup"},
	[2]string{"TOUCH", "touch"},
	[2]string{"WAP", "wap"},
)
