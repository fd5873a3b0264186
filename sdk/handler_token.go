package gatehouse

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// TokenOptions are the token endpoint's callbacks for the grants the
// engine cannot finish alone. Both are optional: without CheckPassword a
// password request fails with server_error (the service enabled a grant
// the frontend does not serve), without VerifyJWTBearer an unverified JWT
// bearer assertion is refused with invalid_grant.
type TokenOptions struct {
	// CheckPassword checks a resource owner's credentials against the user
	// store (RFC 6749 §4.3). ok with the end-user's subject grants the
	// tokens; !ok refuses with invalid_grant; an error answers server_error.
	// The password must not be logged or kept.
	CheckPassword func(ctx context.Context, username, password string) (subject string, ok bool, err error)
	// VerifyJWTBearer verifies a JWT bearer assertion (RFC 7523 §3) the
	// engine could not: a service that trusts no issuer leaves the
	// signature, the issuer and the single use of jti to the frontend. ok
	// with the subject the assertion maps to grants an access token
	// (through /api/auth/token/create); !ok refuses with invalid_grant.
	VerifyJWTBearer func(ctx context.Context, a JWTBearerAssertion) (subject string, ok bool, err error)
}

// JWTBearerAssertion is a JWT bearer request for VerifyJWTBearer to decide.
type JWTBearerAssertion struct {
	// Assertion is the JWT as the client sent it.
	Assertion string
	// Claims is its payload, decoded but NOT verified: nothing in it can be
	// trusted before the signature is checked.
	Claims map[string]any
	// ClientID is the authenticated client; Scopes what it will get.
	ClientID int64
	Scopes   []string
}

// basicCredentials are a client's HTTP Basic credentials.
type basicCredentials struct {
	id, secret string
	used       bool
}

// clientCredentials reads the client's HTTP Basic credentials. They are
// passed on still form-urlencoded (RFC 6749 §2.3.1): the engine decodes
// them, and decoding them here too would corrupt a secret holding '%' or
// '+'. An Authorization header of scheme Basic that cannot be decoded is
// answered invalid_client at once.
func (f *Frontend) clientCredentials(w http.ResponseWriter, r *http.Request) (basicCredentials, bool) {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return basicCredentials{}, true
	}
	id, secret, ok := r.BasicAuth()
	if !ok || len(r.Header.Values("Authorization")) > 1 {
		RespondBasic(w, ActionInvalidClient,
			`{"error":"invalid_client","error_description":"the Basic credentials cannot be decoded (RFC 6749 section 2.3.1)"}`, f.realm())
		return basicCredentials{}, false
	}
	return basicCredentials{id: id, secret: secret, used: true}, true
}

// clientRequest reads what the token and revocation endpoints forward: a
// POST's Basic credentials and form body. When it reports false, the
// request has been answered (405, 401 or 413).
func (f *Frontend) clientRequest(w http.ResponseWriter, r *http.Request) (basicCredentials, string, bool) {
	if !allow(w, r, http.MethodPost) {
		return basicCredentials{}, "", false
	}
	creds, ok := f.clientCredentials(w, r)
	if !ok {
		return basicCredentials{}, "", false
	}
	body, ok := f.readBody(w, r)
	return creds, body, ok
}

// respondClient answers an action of a client-authenticating endpoint,
// with Retry-After when the client is throttled.
func (f *Frontend) respondClient(w http.ResponseWriter, res Result, creds basicCredentials) {
	if res.Action == ActionTooManyRequests && res.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(res.RetryAfter, 10))
	}
	if creds.used {
		RespondBasic(w, res.Action, res.ResponseContent, f.realm())
		return
	}
	Respond(w, res.Action, res.ResponseContent)
}

// TokenHandler returns the token endpoint (RFC 6749 §3.2): it forwards the
// form body and the Basic credentials to /api/auth/token and answers the
// action, finishing PASSWORD and JWT_BEARER with opts.
func (f *Frontend) TokenHandler(opts TokenOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		creds, body, ok := f.clientRequest(w, r)
		if !ok {
			return
		}
		res, err := f.Client.Token(r.Context(), TokenRequest{Parameters: body, ClientID: creds.id, ClientSecret: creds.secret})
		if err != nil {
			f.fail(w, r, err)
			return
		}
		switch res.Action {
		case ActionPassword:
			f.password(w, r, opts, res)
		case ActionJWTBearer:
			f.jwtBearer(w, r, opts, res)
		default:
			f.respondClient(w, res.Result, creds)
		}
	})
}

// password finishes a resource owner password credentials request: the
// ticket is always used up, by issue or by fail, so that it cannot be
// replayed.
func (f *Frontend) password(w http.ResponseWriter, r *http.Request, opts TokenOptions, res *TokenResponse) {
	ctx := r.Context()
	reason := TokenReasonUnknown
	if opts.CheckPassword == nil {
		f.logger().ErrorContext(ctx, "gatehouse: a password request, and TokenOptions.CheckPassword is not set")
	} else {
		subject, ok, err := opts.CheckPassword(ctx, res.Username, res.Password)
		switch {
		case err != nil:
			f.logger().ErrorContext(ctx, "gatehouse: CheckPassword failed", "error", err.Error())
		case !ok:
			reason = TokenReasonInvalidCredentials
		case subject == "":
			f.logger().ErrorContext(ctx, "gatehouse: CheckPassword accepted the credentials without a subject")
		default:
			issued, err := f.Client.TokenIssue(ctx, TokenIssueRequest{Ticket: res.Ticket, Subject: subject})
			if err != nil {
				f.fail(w, r, err)
				return
			}
			Respond(w, issued.Action, issued.ResponseContent)
			return
		}
	}
	failed, err := f.Client.TokenFail(ctx, TokenFailRequest{Ticket: res.Ticket, Reason: reason})
	if err != nil {
		f.fail(w, r, err)
		return
	}
	Respond(w, failed.Action, failed.ResponseContent)
}

// assertionRefused is the answer to a JWT bearer assertion the frontend
// did not accept: one answer whatever the reason (RFC 7523 §3.1).
const assertionRefused = `{"error":"invalid_grant","error_description":"the assertion was refused (RFC 7523 section 3.1)"}`

// jwtBearer finishes a JWT bearer request the engine could not verify.
func (f *Frontend) jwtBearer(w http.ResponseWriter, r *http.Request, opts TokenOptions, res *TokenResponse) {
	ctx := r.Context()
	if opts.VerifyJWTBearer == nil {
		Respond(w, ActionBadRequest, assertionRefused)
		return
	}
	a := JWTBearerAssertion{Assertion: res.Assertion, ClientID: res.ClientID, Scopes: res.Scopes}
	if err := json.Unmarshal([]byte(res.AssertionClaims), &a.Claims); err != nil {
		f.fail(w, r, err)
		return
	}
	subject, ok, err := opts.VerifyJWTBearer(ctx, a)
	switch {
	case err != nil:
		f.fail(w, r, err)
		return
	case !ok || subject == "":
		Respond(w, ActionBadRequest, assertionRefused)
		return
	}
	created, err := f.Client.CreateToken(ctx, TokenCreateRequest{GrantType: "JWT_BEARER", ClientID: res.ClientID, Subject: subject, Scopes: res.Scopes})
	if err != nil {
		f.fail(w, r, err)
		return
	}
	if created.Action != ActionOK {
		f.logger().ErrorContext(ctx, "gatehouse: token creation for a JWT bearer grant refused",
			"action", string(created.Action), "result_code", created.ResultCode, "result_message", created.ResultMessage)
		Respond(w, ActionInternalServerError, "")
		return
	}
	body, err := encodeJSON(tokenResponseOf(created))
	if err != nil {
		f.fail(w, r, err)
		return
	}
	Respond(w, ActionOK, string(body))
}

// tokenResponse is the successful token response (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in,omitempty"`
	Scope       string `json:"scope,omitempty"`
}

// tokenResponseOf renders the tokens of a JWT bearer grant. A refresh token
// is left out even when the engine minted one (it does for a client
// registered for REFRESH_TOKEN): the engine's own JWT bearer grant issues
// none, since the client presents a fresh assertion instead, and both
// paths must give the same.
func tokenResponseOf(c *TokenCreateResponse) tokenResponse {
	t := tokenResponse{AccessToken: c.AccessToken, TokenType: c.TokenType, ExpiresIn: c.ExpiresIn,
		Scope: strings.Join(c.Scopes, " ")}
	if t.TokenType == "" {
		t.TokenType = "Bearer"
	}
	return t
}
