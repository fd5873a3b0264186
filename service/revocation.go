package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// The outcomes of /auth/revocation (family 007). Client authentication
// fails with the token endpoint's codes (G005306 to G005308): it is the
// same authentication. The text of an error is also its error_description.
var (
	resRevoked         = authzResult{"G007001", "", "the token and every token of its grant are revoked (RFC 7009 §2.1)"}
	resRevokeUnknown   = authzResult{"G007002", "", "the token is unknown to this service, expired or already revoked: nothing to revoke (RFC 7009 §2.2)"}
	resRevokeNotOwned  = authzResult{"G007003", "", "the token was issued to another client and is not revoked; a public client is not told (RFC 7009 §2.1)"}
	resRevokeMalformed = authzResult{"G007301", oauth.CodeInvalidRequest, "the body cannot be parsed as application/x-www-form-urlencoded, or exceeds the limits (RFC 7009 §2.1)"}
	resRevokeDuplicate = authzResult{"G007302", oauth.CodeInvalidRequest, "parameter %s is repeated (RFC 6749 §3.2)"}
	resRevokeNoToken   = authzResult{"G007303", oauth.CodeInvalidRequest, "token is missing (RFC 7009 §2.1)"}
	resRevokeOther     = authzResult{"G007304", oauth.CodeUnauthorizedClient, "the token was issued to another client (RFC 7009 §2.1)"}
)

// RevocationRequest is a revocation request as the frontend received it
// (RFC 7009 §2.1): the form body and, when the client used HTTP Basic, the
// credentials from the Authorization header.
type RevocationRequest struct {
	Parameters   string
	ClientID     string
	ClientSecret string
}

// RevocationResult is the answer of /auth/revocation (Authlete's
// RevocationResponse). For OK, ResponseContent is empty: the frontend
// answers 200 with an empty body (RFC 7009 §2.2).
type RevocationResult struct {
	Action          string
	ResultCode      string
	ResultMessage   string
	ResponseContent string
	RetryAfter      int64 // TOO_MANY_REQUESTS: seconds before a retry
}

func revocationError(r authzResult, args ...any) RevocationResult {
	return revocationFrom(tokenError(r, args...))
}

// revocationFrom carries an error answer of the token family over.
func revocationFrom(t TokenResult) RevocationResult {
	return RevocationResult{Action: t.Action, ResultCode: t.ResultCode, ResultMessage: t.ResultMessage,
		ResponseContent: t.ResponseContent, RetryAfter: t.RetryAfter}
}

// Revoke runs a revocation request of svc (RFC 7009). The client
// authenticates exactly as at the token endpoint. A token of the client —
// access or refresh — is revoked with its whole grant (RFC 7009 §2.1:
// revoking a refresh token SHOULD revoke the access tokens of its grant).
// An unknown, expired or revoked token, or a token of another service, is
// a silent OK (RFC 7009 §2.2). A token of another client of the service is
// left alone: a confidential caller gets unauthorized_client, a public one
// the same silent OK as for an unknown token, so that a client nobody
// authenticated learns nothing. token_type_hint is only a hint and is
// ignored. The error is non-nil only when the store failed: a revocation
// that could not be carried out is never answered OK (SECURITY V08).
func (e *Engine) Revoke(ctx context.Context, svc store.Service, req RevocationRequest) (RevocationResult, error) {
	p, err := oauth.ParseParams(req.Parameters)
	if err != nil {
		return revocationError(resRevokeMalformed), nil
	}
	if dup := p.AnyDuplicated(); dup != "" {
		return revocationError(resRevokeDuplicate, dup), nil
	}
	client, bad, err := e.authenticateClient(ctx, svc, p, req.ClientID, req.ClientSecret)
	if err != nil {
		return RevocationResult{}, err
	}
	if bad != nil {
		return revocationFrom(*bad), nil
	}
	raw := p.Get("token")
	if raw == "" {
		return revocationError(resRevokeNoToken), nil
	}
	done := func(r authzResult) (RevocationResult, error) {
		code, msg := r.message()
		return RevocationResult{Action: ActionOK, ResultCode: code, ResultMessage: msg}, nil
	}
	t, err := e.store.GetToken(ctx, svc.APIKey, hashToken(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return done(resRevokeUnknown)
	case err != nil:
		return RevocationResult{}, AsError(fmt.Errorf("get token: %w", err))
	case t.ClientID != client.ClientID && client.ClientType == oauth.ClientConfidential:
		return revocationError(resRevokeOther), nil
	case t.ClientID != client.ClientID:
		return done(resRevokeNotOwned)
	case !e.now().Before(t.ExpiresAt):
		return done(resRevokeUnknown)
	}
	if _, err := e.store.DeleteGrant(ctx, svc.APIKey, t.GrantID); err != nil {
		return RevocationResult{}, AsError(fmt.Errorf("revoke grant: %w", err))
	}
	return done(resRevoked)
}
