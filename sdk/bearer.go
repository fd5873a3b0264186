package gatehouse

import (
	"net/http"
	"strings"
)

// bearerProblem is why a request's bearer credentials cannot be read; it
// becomes the error_description of an invalid_request (RFC 6750 §3.1).
type bearerProblem string

const (
	problemNone       bearerProblem = ""
	problemMalformed  bearerProblem = "the Authorization header is not a valid Bearer credential (RFC 6750 section 2.1)"
	problemRepeated   bearerProblem = "more than one Authorization header"
	problemTwoMethods bearerProblem = "the access token is sent in more than one way (RFC 6750 section 2)"
)

// bearerFromHeader reads the access token of the Authorization header
// (RFC 6750 §2.1). The scheme is case-insensitive (RFC 9110 §11.1). A
// request without the header, or with another scheme, has no bearer
// credentials: token is "" and problem is none. A Bearer header that is
// not one b64token is a problem.
func bearerFromHeader(h http.Header) (token string, problem bearerProblem) {
	values := h.Values("Authorization")
	switch {
	case len(values) == 0:
		return "", problemNone
	case len(values) > 1:
		return "", problemRepeated
	}
	scheme, rest, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", problemNone
	}
	token = strings.Trim(rest, " \t")
	if !isB64Token(token) {
		return "", problemMalformed
	}
	return token, problemNone
}

// isB64Token reports whether s is an RFC 6750 §2.1 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for _, c := range []byte(body) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}

// bearerChallenge renders a Bearer challenge (RFC 6750 §3): the realm, and
// an error code with its description when there is one. A request without
// credentials gets no error code (RFC 6750 §3.1).
func bearerChallenge(realm, code, description string) string {
	var params []string
	if realm != "" {
		params = append(params, "realm="+quote(realm))
	}
	if code != "" {
		params = append(params, "error="+quote(code))
	}
	if description != "" {
		params = append(params, "error_description="+quote(description))
	}
	if len(params) == 0 {
		return "Bearer"
	}
	return "Bearer " + strings.Join(params, ", ")
}

// answerNoBearer answers a protected resource request that carries no
// usable bearer credentials: 401 with a bare challenge when there are none,
// 400 invalid_request when they are malformed.
func answerNoBearer(w http.ResponseWriter, realm string, problem bearerProblem) {
	noStore(w.Header())
	if problem == problemNone {
		challenge(w, http.StatusUnauthorized, bearerChallenge(realm, "", ""))
		return
	}
	challenge(w, http.StatusBadRequest, bearerChallenge(realm, "invalid_request", string(problem)))
}
