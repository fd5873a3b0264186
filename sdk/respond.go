package gatehouse

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Content types of the answers.
const (
	contentJSON = "application/json"
	contentJWT  = "application/jwt"
	contentHTML = "text/html;charset=UTF-8"
)

// serverErrorBody is the one answer of a frontend whose engine call failed:
// nothing of the engine's internals reaches the client or the end-user.
const serverErrorBody = `{"error":"server_error","error_description":"the authorization server could not process the request"}`

// Respond answers an OAuth request as the engine's action says (DESIGN §3).
// It is the one implementation of the action table:
//
//	OK, JSON               200, application/json, body = content (none when empty)
//	JWT                    200, application/jwt, body = content
//	LOCATION               302, Location: content
//	FORM                   200, text/html;charset=UTF-8, body = content
//	BAD_REQUEST            400, application/json, body = content
//	UNAUTHORIZED           401, WWW-Authenticate: content
//	FORBIDDEN              403, WWW-Authenticate: content
//	INVALID_CLIENT         401, application/json, body = content
//	TOO_MANY_REQUESTS      429, application/json, body = content (the
//	                       caller sets Retry-After from Result.RetryAfter)
//	INTERNAL_SERVER_ERROR  500, application/json, body = content
//
// Every answer carries Cache-Control: no-store and Pragma: no-cache
// (RFC 6749 §5.1): it holds codes, tokens or errors about one request.
// An action that is not an answer (INTERACTION, PASSWORD, ...) or is
// unknown is a bug of the caller, answered 500 server_error rather than
// guessed at.
//
// Use RespondBearer for the answers of /auth/introspection and
// /auth/userinfo, whose BAD_REQUEST content is a WWW-Authenticate value,
// and RespondBasic when the client authenticated with HTTP Basic.
func Respond(w http.ResponseWriter, action Action, content string) {
	respond(w, action, content, false, "")
}

// RespondBearer answers like Respond, for a protected resource (RFC 6750
// §3): the content of BAD_REQUEST, UNAUTHORIZED and FORBIDDEN is the
// WWW-Authenticate value and the body is empty. This is the answer of
// /auth/introspection, /auth/userinfo and /auth/userinfo/issue; the other
// APIs put a JSON body in BAD_REQUEST, which is why the variant is explicit.
func RespondBearer(w http.ResponseWriter, action Action, content string) {
	respond(w, action, content, true, "")
}

// RespondBasic answers like Respond for a client that authenticated with
// HTTP Basic at the token, revocation or introspection endpoint: an
// INVALID_CLIENT answer then also challenges it with
// WWW-Authenticate: Basic realm="realm" (RFC 6749 §5.2).
func RespondBasic(w http.ResponseWriter, action Action, content, realm string) {
	respond(w, action, content, false, realm)
}

func respond(w http.ResponseWriter, action Action, content string, bearer bool, basicRealm string) {
	h := w.Header()
	noStore(h)
	switch action {
	case ActionOK, ActionJSON:
		if content == "" { // revocation: 200 with an empty body (RFC 7009 §2.2)
			w.WriteHeader(http.StatusOK)
			return
		}
		write(w, http.StatusOK, contentJSON, content)
	case ActionJWT:
		write(w, http.StatusOK, contentJWT, content)
	case ActionLocation:
		h.Set("Location", content)
		w.WriteHeader(http.StatusFound)
	case ActionForm:
		write(w, http.StatusOK, contentHTML, content)
	case ActionBadRequest:
		if bearer {
			challenge(w, http.StatusBadRequest, content)
			return
		}
		write(w, http.StatusBadRequest, contentJSON, content)
	case ActionUnauthorized:
		challenge(w, http.StatusUnauthorized, content)
	case ActionForbidden:
		challenge(w, http.StatusForbidden, content)
	case ActionInvalidClient:
		if basicRealm != "" {
			h.Set("WWW-Authenticate", basicChallenge(basicRealm))
		}
		write(w, http.StatusUnauthorized, contentJSON, content)
	case ActionTooManyRequests:
		write(w, http.StatusTooManyRequests, contentJSON, content)
	case ActionInternalServerError:
		if content == "" {
			content = serverErrorBody
		}
		write(w, http.StatusInternalServerError, contentJSON, content)
	default:
		write(w, http.StatusInternalServerError, contentJSON, serverErrorBody)
	}
}

// RespondFailure answers an OAuth request whose engine call failed (err is
// what a Client method returned): 503 when the engine said its store is
// unavailable, so that the client may retry (with the engine's
// Retry-After), else 500. The body is a generic server_error: the engine's
// result message is for the frontend's logs, not for clients.
func RespondFailure(w http.ResponseWriter, err error) {
	h := w.Header()
	noStore(h)
	status := http.StatusInternalServerError
	var e *Error
	if errors.As(err, &e) && e.StatusCode == http.StatusServiceUnavailable {
		status = http.StatusServiceUnavailable
		if e.RetryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())))
		}
	}
	write(w, status, contentJSON, serverErrorBody)
}

func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

func write(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func challenge(w http.ResponseWriter, status int, value string) {
	w.Header().Set("WWW-Authenticate", value)
	w.WriteHeader(status)
}

// basicChallenge is the HTTP Basic challenge of realm (RFC 7617 §2).
func basicChallenge(realm string) string {
	return `Basic realm=` + quote(realm)
}

// quote renders s as an HTTP quoted-string (RFC 9110 §5.6.4).
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
