package service

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// TokenIssue answers the password request of ticket once the frontend has
// found the resource owner's credentials good (Authlete's
// /auth/token/issue): an access token, a refresh token when the client may
// refresh, and an ID token when openid was granted, for subject, who
// authenticated just now. The subject is checked before the ticket is used
// up, as /auth/authorization/issue does, so such a mistake does not cost the
// client its request. properties are added to the token request's. The
// error is non-nil only when the store failed.
func (e *Engine) TokenIssue(ctx context.Context, svc store.Service, ticket, subject string, properties []store.Property) (TokenResult, error) {
	switch {
	case ticket == "":
		return tokenError(resTokenTicketUnknown), nil
	case !validSubject(subject):
		return tokenError(resTokenIssueSubject), nil
	}
	var req passwordTicket
	if bad, err := e.consumeTicket(ctx, svc, ticket, ticketPassword, &req); err != nil || bad != nil {
		return passwordTicketOutcome(bad, err)
	}
	c, err := e.store.GetClient(ctx, svc.APIKey, req.ClientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return tokenError(resTokenTicketClient), nil
	case err != nil:
		return TokenResult{}, AsError(fmt.Errorf("get client of ticket: %w", err))
	}
	// The grant may have been switched off since the ticket was made: that
	// takes effect at once (SECURITY T03).
	switch {
	case !slices.Contains(svc.SupportedGrantTypes, oauth.GrantPassword):
		return tokenError(resTokenGrantType, oauth.GrantPassword), nil
	case !slices.Contains(c.GrantTypes, oauth.GrantPassword):
		return tokenError(resTokenClientGrant, oauth.GrantPassword), nil
	}
	now := e.now()
	is := issue{
		grantID: uuid.NewString(), subject: subject, scopes: req.Scopes, refresh: mayRefresh(svc, c),
		properties: append(req.Properties, properties...), authTime: now,
	}
	if slices.Contains(req.Scopes, "openid") {
		is.idToken = &IDToken{Subject: subject, AuthTime: now}
	}
	return e.issueTokens(ctx, svc, c, oauth.GrantPassword, is)
}

// tokenFailReasons are the reasons of /auth/token/fail, each with the error
// the client receives and why.
var tokenFailReasons = map[string]struct{ code, text string }{
	"INVALID_RESOURCE_OWNER_CREDENTIALS": {oauth.CodeInvalidGrant, "the resource owner credentials are invalid (RFC 6749 §5.2)"},
	"INVALID_TARGET":                     {oauth.CodeInvalidTarget, "a requested resource is refused (RFC 8707 §2)"},
	"UNKNOWN":                            {oauth.CodeServerError, "the authorization server failed (RFC 6749 §4.1.2.1)"},
}

// TokenFail answers the password request of ticket with the error of reason
// (Authlete's /auth/token/fail): action BAD_REQUEST with the error response
// (RFC 6749 §5.2). An unknown reason leaves the ticket unused. The error is
// non-nil only when the store failed.
func (e *Engine) TokenFail(ctx context.Context, svc store.Service, ticket, reason string) (TokenResult, error) {
	why, ok := tokenFailReasons[reason]
	switch {
	case !ok:
		return tokenError(resTokenFailReason, reason), nil
	case ticket == "":
		return tokenError(resTokenTicketUnknown), nil
	}
	var req passwordTicket
	if bad, err := e.consumeTicket(ctx, svc, ticket, ticketPassword, &req); err != nil || bad != nil {
		return passwordTicketOutcome(bad, err)
	}
	res := authzResult{code: resTokenFailed.code, oauthError: why.code, text: resTokenFailed.text}
	return tokenError(res, why.text), nil
}

// passwordTicketOutcome turns a failed ticket lookup into the token
// family's caller error, or returns the store error.
func passwordTicketOutcome(bad *authzResult, err error) (TokenResult, error) {
	if err != nil {
		return TokenResult{}, err
	}
	switch *bad {
	case resTicketUsed:
		return tokenError(resTokenTicketUsed), nil
	case resTicketExpired:
		return tokenError(resTokenTicketExpired), nil
	default:
		return tokenError(resTokenTicketUnknown), nil
	}
}
