package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// Actions of /auth/introspection (DESIGN §3), named as in Authlete's API.
const (
	ActionUnauthorized = "UNAUTHORIZED"
	ActionForbidden    = "FORBIDDEN"
)

// Error codes of a protected resource's answer (RFC 6750 §3.1).
const (
	bearerInvalidRequest    = "invalid_request"
	bearerInvalidToken      = "invalid_token"
	bearerInsufficientScope = "insufficient_scope"
)

// The outcomes of /auth/introspection and /auth/introspection/standard
// (family 006). The text of an error is also its error_description.
var (
	resIntrospectOK      = authzResult{"G006001", "", "the access token is active and covers the request (RFC 6750 §3)"}
	resIntrospectStdOK   = authzResult{"G006002", "", "the introspection response is ready (RFC 7662 §2.2)"}
	resIntrospectNoToken = authzResult{"G006201", bearerInvalidRequest, "token is missing: the request carries no access token (RFC 6750 §3.1)"}
	resIntrospectStdBad  = authzResult{"G006202", oauth.CodeInvalidRequest, "parameters cannot be parsed as application/x-www-form-urlencoded, exceed the limits, or repeat a parameter (RFC 7662 §2.1)"}
	resIntrospectStdNone = authzResult{"G006203", oauth.CodeInvalidRequest, "token is missing (RFC 7662 §2.1)"}
	resIntrospectUnknown = authzResult{"G006301", bearerInvalidToken, "the access token is unknown to this service or was revoked (RFC 6750 §3.1)"}
	resIntrospectExpired = authzResult{"G006302", bearerInvalidToken, "the access token has expired (RFC 6750 §3.1)"}
	resIntrospectRefresh = authzResult{"G006303", bearerInvalidToken, "the token is a refresh token, not an access token (RFC 6749 §1.5)"}
	resIntrospectScope   = authzResult{"G006304", bearerInsufficientScope, "the access token does not cover the required scopes (RFC 6750 §3.1)"}
	resIntrospectSubject = authzResult{"G006305", bearerInvalidToken, "the access token was issued for another subject (RFC 6750 §3.1)"}
)

// IntrospectionRequest is what a resource server asks of an access token it
// received (Authlete's IntrospectionRequest): the token, the scopes the
// resource needs and, when the resource belongs to one end-user, the
// subject it must have been issued for.
type IntrospectionRequest struct {
	Token   string
	Scopes  []string
	Subject string
}

// IntrospectionResult is the answer of /auth/introspection (Authlete's
// IntrospectionResponse). For UNAUTHORIZED, FORBIDDEN and BAD_REQUEST,
// ResponseContent is the WWW-Authenticate value the resource server answers
// with (RFC 6750 §3).
type IntrospectionResult struct {
	Action          string
	ResultCode      string
	ResultMessage   string
	ResponseContent string

	ClientID  int64
	Subject   string
	Scopes    []string
	ExpiresAt int64 // epoch milliseconds
	// Existent: the token is an access token of this service (it may have
	// expired). Usable: existent and not expired. Sufficient: usable and
	// covering the required scopes.
	Existent, Usable, Sufficient bool
	// Refreshable: a refresh token was issued with the access token and has
	// not expired. It is read from the access token itself (one store read
	// per introspection): a rotated refresh token hands its grant to its
	// successor, and a revoked one takes the access token with it.
	Refreshable bool
	// Properties are the token's properties that are not hidden.
	Properties []store.Property
}

// bearerChallenge renders the WWW-Authenticate value of a failed access to a
// protected resource (RFC 6750 §3): every value passes oauth.Description, so
// nothing can break out of its quoted-string.
func bearerChallenge(r authzResult, scope string, args ...any) (code, msg, challenge string) {
	code, msg = r.message(args...)
	challenge = fmt.Sprintf(`Bearer error="%s", error_description="%s"`, r.oauthError, oauth.Description(msg))
	if scope != "" {
		challenge += fmt.Sprintf(`, scope="%s"`, oauth.Description(scope))
	}
	return code, msg, challenge
}

// Introspect checks an access token for a resource server (Authlete's
// /auth/introspection): BAD_REQUEST without a token; UNAUTHORIZED for a
// token that is unknown, revoked, expired or not an access token;
// FORBIDDEN when it misses a required scope or belongs to another subject;
// else OK. The error is non-nil only when the store failed.
func (e *Engine) Introspect(ctx context.Context, svc store.Service, req IntrospectionRequest) (IntrospectionResult, error) {
	fail := func(out IntrospectionResult, action string, r authzResult, scope string) (IntrospectionResult, error) {
		out.Action = action
		out.ResultCode, out.ResultMessage, out.ResponseContent = bearerChallenge(r, scope)
		return out, nil
	}
	if req.Token == "" {
		return fail(IntrospectionResult{}, ActionBadRequest, resIntrospectNoToken, "")
	}
	t, err := e.store.GetToken(ctx, svc.APIKey, hashToken(req.Token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fail(IntrospectionResult{}, ActionUnauthorized, resIntrospectUnknown, "")
	case err != nil:
		return IntrospectionResult{}, AsError(fmt.Errorf("get token: %w", err))
	case t.Kind != "access":
		return fail(IntrospectionResult{}, ActionUnauthorized, resIntrospectRefresh, "")
	}
	out := IntrospectionResult{
		ClientID: t.ClientID, Subject: t.Subject, Scopes: t.Scopes, ExpiresAt: t.ExpiresAt.UnixMilli(),
		Existent: true, Properties: visibleProperties(t.Properties),
		Refreshable: e.now().Before(t.RefreshExpiresAt),
	}
	if !e.now().Before(t.ExpiresAt) {
		return fail(out, ActionUnauthorized, resIntrospectExpired, "")
	}
	out.Usable = true
	for _, s := range req.Scopes {
		if !slices.Contains(t.Scopes, s) {
			return fail(out, ActionForbidden, resIntrospectScope, strings.Join(req.Scopes, " "))
		}
	}
	out.Sufficient = true
	if req.Subject != "" && req.Subject != t.Subject {
		return fail(out, ActionForbidden, resIntrospectSubject, "")
	}
	out.Action = ActionOK
	out.ResultCode, out.ResultMessage = resIntrospectOK.message()
	return out, nil
}

// visibleProperties drops the hidden ones: those are for the engine and the
// frontend's own issue calls, never for a resource server.
func visibleProperties(ps []store.Property) []store.Property {
	var out []store.Property
	for _, p := range ps {
		if !p.Hidden {
			out = append(out, p)
		}
	}
	return out
}

// StandardIntrospectionResult is the answer of /auth/introspection/standard
// (Authlete's StandardIntrospectionResponse): for OK, ResponseContent is the
// introspection response (RFC 7662 §2.2); for BAD_REQUEST, an error object.
type StandardIntrospectionResult struct {
	Action          string
	ResultCode      string
	ResultMessage   string
	ResponseContent string
}

// introspectionResponse is the introspection response of RFC 7662 §2.2.
type introspectionResponse struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Subject   string `json:"sub,omitempty"`
	ExpiresAt int64  `json:"exp,omitempty"`
	IssuedAt  int64  `json:"iat,omitempty"`
	Issuer    string `json:"iss,omitempty"`
	TokenType string `json:"token_type,omitempty"`
}

// inactive is the whole answer for anything that is not an active token
// of this service: nothing more may be said (RFC 7662 §2.2).
const inactive = `{"active":false}`

// IntrospectStandard answers an RFC 7662 introspection request, whose form
// body is parameters. The protected resource authenticated with the
// frontend; the frontend authenticated with its service credentials.
//
// Active are the unexpired access and refresh tokens of this service, but a
// refresh token rotated away: it keeps its record until it expires (so that
// a replay can still name its grant), and its rotation mark says it is spent.
// token_type_hint is only a hint (RFC 7662 §2.1), and is ignored. The error
// is non-nil only when the store failed.
func (e *Engine) IntrospectStandard(ctx context.Context, svc store.Service, parameters string) (StandardIntrospectionResult, error) {
	p, err := oauth.ParseParams(parameters)
	if err != nil || p.Duplicated("token") {
		return standardIntrospectionError(resIntrospectStdBad), nil
	}
	raw := p.Get("token")
	if raw == "" {
		return standardIntrospectionError(resIntrospectStdNone), nil
	}
	out := StandardIntrospectionResult{Action: ActionOK, ResponseContent: inactive}
	out.ResultCode, out.ResultMessage = resIntrospectStdOK.message()
	t, err := e.store.GetToken(ctx, svc.APIKey, hashToken(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return out, nil
	case err != nil:
		return StandardIntrospectionResult{}, AsError(fmt.Errorf("get token: %w", err))
	case !e.now().Before(t.ExpiresAt):
		return out, nil
	case t.Kind != "access" && t.Kind != "refresh":
		return out, nil
	case t.Kind == "refresh" && !svc.RefreshTokenKept:
		rotated, err := e.store.Claimed(ctx, svc.APIKey, claimRefresh, t.Hash)
		if err != nil {
			return StandardIntrospectionResult{}, AsError(fmt.Errorf("read rotation: %w", err))
		}
		if rotated {
			return out, nil
		}
	}
	resp := introspectionResponse{
		Active: true, Scope: strings.Join(t.Scopes, " "), ClientID: strconv.FormatInt(t.ClientID, 10),
		Subject: t.Subject, ExpiresAt: t.ExpiresAt.Unix(), IssuedAt: t.CreatedAt.Unix(), Issuer: svc.Issuer,
	}
	if t.Kind == "access" {
		resp.TokenType = "Bearer"
	}
	body, err := json.Marshal(resp)
	if err != nil {
		return StandardIntrospectionResult{}, Internal(fmt.Errorf("encode introspection response: %w", err))
	}
	out.ResponseContent = string(body)
	return out, nil
}

func standardIntrospectionError(r authzResult) StandardIntrospectionResult {
	code, msg := r.message()
	return StandardIntrospectionResult{Action: ActionBadRequest, ResultCode: code, ResultMessage: msg,
		ResponseContent: oauth.NewError(r.oauthError, msg).JSON()}
}
