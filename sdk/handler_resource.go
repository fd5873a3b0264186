package gatehouse

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// RevocationHandler returns the revocation endpoint (RFC 7009 §2): it
// forwards the form body and the Basic credentials to /api/auth/revocation
// and answers the action — 200 with an empty body when the token is
// revoked or was unknown, so that a client learns nothing of other
// clients' tokens.
func (f *Frontend) RevocationHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		creds, body, ok := f.clientRequest(w, r)
		if !ok {
			return
		}
		res, err := f.Client.Revocation(r.Context(), RevocationRequest{Parameters: body, ClientID: creds.id, ClientSecret: creds.secret})
		if err != nil {
			f.fail(w, r, err)
			return
		}
		f.respondClient(w, res.Result, creds)
	})
}

// ErrNotAuthenticated is what an authenticate hook returns for a caller it
// does not know.
var ErrNotAuthenticated = errors.New("gatehouse: caller not authenticated")

// IntrospectionHandler returns the RFC 7662 introspection endpoint. RFC
// 7662 §2.1 requires the caller to be authorized, or anyone could probe
// tokens, so authenticate is required: it must return nil only for a
// protected resource the frontend knows (BasicAuthenticator is a ready
// one). It may read r.Body, which holds the request's form. A refused
// caller gets 401 invalid_client with a Basic challenge; a known one gets
// the engine's introspection response.
func (f *Frontend) IntrospectionHandler(authenticate func(r *http.Request) error) http.Handler {
	if authenticate == nil {
		panic("gatehouse: IntrospectionHandler needs an authenticate hook (RFC 7662 §2.1)")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allow(w, r, http.MethodPost) {
			return
		}
		body, ok := f.readBody(w, r)
		if !ok {
			return
		}
		r.Body = io.NopCloser(strings.NewReader(body))
		if err := authenticate(r); err != nil {
			RespondBasic(w, ActionInvalidClient,
				`{"error":"invalid_client","error_description":"the protected resource is not authenticated (RFC 7662 section 2.1)"}`, f.realm())
			return
		}
		res, err := f.Client.StandardIntrospection(r.Context(), StandardIntrospectionRequest{Parameters: body})
		if err != nil {
			f.fail(w, r, err)
			return
		}
		Respond(w, res.Action, res.ResponseContent)
	})
}

// BasicAuthenticator returns an authenticate hook for IntrospectionHandler
// that accepts the HTTP Basic credentials of credentials (id → secret),
// compared in constant time. The map is copied.
func BasicAuthenticator(credentials map[string]string) func(r *http.Request) error {
	known := make(map[[sha256.Size]byte][sha256.Size]byte, len(credentials))
	for id, secret := range credentials {
		known[sha256.Sum256([]byte(id))] = sha256.Sum256([]byte(secret))
	}
	// A missing id is compared against this, so that it takes as long.
	absent := sha256.Sum256([]byte("gatehouse: no such resource server"))
	return func(r *http.Request) error {
		id, secret, ok := r.BasicAuth()
		if !ok {
			return ErrNotAuthenticated
		}
		want, found := known[sha256.Sum256([]byte(id))]
		if !found {
			want = absent
		}
		got := sha256.Sum256([]byte(secret))
		if subtle.ConstantTimeCompare(want[:], got[:]) != 1 || !found {
			return ErrNotAuthenticated
		}
		return nil
	}
}

// ClaimsFunc returns the claims of an end-user for the UserInfo endpoint:
// values for the names in claimNames (OIDC Core §5.1), which the token's
// scopes cover. Claims it does not have are left out; others are dropped
// by the engine.
type ClaimsFunc func(ctx context.Context, subject string, claimNames []string) (map[string]any, error)

// UserInfoHandler returns the UserInfo endpoint (OIDC Core §5.3), GET or
// POST. The access token comes from the Authorization header (scheme
// case-insensitive) or, for a POST, the access_token form field (RFC 6750
// §2.1, §2.2), never both. The engine checks it; claims supplies the
// end-user's claims when the token covers any (nil: only sub). Errors are
// answered with a Bearer challenge (RFC 6750 §3); a request without a token
// gets one without an error code (RFC 6750 §3.1).
func (f *Frontend) UserInfoHandler(claims ClaimsFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allow(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		token, problem := bearerFromHeader(r.Header)
		if r.Method == http.MethodPost && isForm(r) && problem == problemNone {
			body, ok := f.readBody(w, r)
			if !ok {
				return
			}
			form, err := url.ParseQuery(body)
			switch {
			case err != nil || len(form["access_token"]) > 1:
				problem = problemMalformed
			case form.Has("access_token") && token != "":
				problem = problemTwoMethods
			case form.Has("access_token"):
				token = form.Get("access_token")
			}
		}
		if problem != problemNone || token == "" {
			answerNoBearer(w, f.realm(), problem)
			return
		}
		ctx := r.Context()
		res, err := f.Client.UserInfo(ctx, UserInfoRequest{Token: token})
		if err != nil {
			f.fail(w, r, err)
			return
		}
		if res.Action != ActionOK {
			RespondBearer(w, res.Action, res.ResponseContent)
			return
		}
		issue := UserInfoIssueRequest{Token: token}
		if claims != nil && len(res.Claims) > 0 {
			values, err := claims(ctx, res.Subject, res.Claims)
			if err != nil {
				f.fail(w, r, err)
				return
			}
			if len(values) > 0 {
				b, err := json.Marshal(values)
				if err != nil {
					f.fail(w, r, err)
					return
				}
				issue.Claims = string(b)
			}
		}
		issued, err := f.Client.UserInfoIssue(ctx, issue)
		if err != nil {
			f.fail(w, r, err)
			return
		}
		RespondBearer(w, issued.Action, issued.ResponseContent)
	})
}
