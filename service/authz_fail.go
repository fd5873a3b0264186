package service

import (
	"context"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// failReasons maps the reasons of /auth/authorization/fail to the error the
// client receives (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6, RFC 8707 §2).
var failReasons = map[string]string{
	"NOT_LOGGED_IN":              oauth.CodeLoginRequired,
	"NOT_AUTHENTICATED":          oauth.CodeLoginRequired,
	"MAX_AGE_NOT_SUPPORTED":      oauth.CodeLoginRequired,
	"LOGIN_REQUIRED":             oauth.CodeLoginRequired,
	"CONSENT_REQUIRED":           oauth.CodeConsentRequired,
	"INTERACTION_REQUIRED":       oauth.CodeInteractionRequired,
	"DENIED":                     oauth.CodeAccessDenied,
	"ACCOUNT_SELECTION_REQUIRED": oauth.CodeAccountSelectionRequired,
	"EXCEEDS_MAX_AGE":            oauth.CodeLoginRequired,
	"DIFFERENT_SUBJECT":          oauth.CodeLoginRequired,
	"ACR_NOT_SATISFIED":          oauth.CodeAccessDenied,
	"INVALID_SCOPE":              oauth.CodeInvalidScope,
	"INVALID_TARGET":             oauth.CodeInvalidTarget,
	"SERVER_ERROR":               oauth.CodeServerError,
	"UNKNOWN":                    oauth.CodeServerError,
}

// failText explains each reason in the error_description.
var failText = map[string]string{
	"NOT_LOGGED_IN":              "the end-user is not logged in and prompt=none forbids asking (OIDC Core §3.1.2.6)",
	"LOGIN_REQUIRED":             "the end-user must log in (OIDC Core §3.1.2.6)",
	"NOT_AUTHENTICATED":          "the end-user could not be authenticated (OIDC Core §3.1.2.6)",
	"MAX_AGE_NOT_SUPPORTED":      "the server cannot honour max_age (OIDC Core §3.1.2.6)",
	"CONSENT_REQUIRED":           "the end-user has not consented and prompt=none forbids asking (OIDC Core §3.1.2.6)",
	"INTERACTION_REQUIRED":       "the end-user must interact and prompt=none forbids it (OIDC Core §3.1.2.6)",
	"DENIED":                     "the end-user or the server denied the request (RFC 6749 §4.1.2.1)",
	"ACCOUNT_SELECTION_REQUIRED": "the end-user must select an account (OIDC Core §3.1.2.6)",
	"EXCEEDS_MAX_AGE":            "the end-user's authentication is older than max_age (OIDC Core §3.1.2.1)",
	"DIFFERENT_SUBJECT":          "the logged-in end-user is not the one the request names (OIDC Core §3.1.2.1)",
	"ACR_NOT_SATISFIED":          "no authentication satisfied the requested acr (OIDC Core §5.5.1.1)",
	"INVALID_SCOPE":              "a requested scope is refused (RFC 6749 §4.1.2.1)",
	"INVALID_TARGET":             "a requested resource is refused (RFC 8707 §2)",
	"SERVER_ERROR":               "the authorization server failed (RFC 6749 §4.1.2.1)",
	"UNKNOWN":                    "the authorization server failed (RFC 6749 §4.1.2.1)",
}

// AuthorizationFail answers the authorization request of a ticket with the
// error of reason (DESIGN §3), adding the frontend's description if any.
// The error is non-nil only when the store failed.
func (e *Engine) AuthorizationFail(ctx context.Context, svc store.Service, ticket, reason, description string) (AuthorizationResult, error) {
	code, ok := failReasons[reason]
	if !ok {
		return badRequest(resFailReason, reason), nil
	}
	if ticket == "" {
		return badRequest(resTicketUnknown), nil
	}
	var req AuthorizationRequest
	if bad, err := e.consumeTicket(ctx, svc, ticket, ticketAuthorization, &req); err != nil || bad != nil {
		return ticketOutcome(bad, err)
	}
	text := failText[reason]
	if description != "" {
		text = description
	}
	res := authzResult{code: resAuthzFailed.code, oauthError: code, text: resAuthzFailed.text}
	return e.replyTo(svc, req).error(res, text), nil
}
