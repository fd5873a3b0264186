package service

import "github.com/gatehouse-oss/gatehouse/service/oauth"

// Actions of /auth/token (DESIGN §3), named as in Authlete's API.
const (
	ActionInvalidClient = "INVALID_CLIENT"
	ActionOK            = "OK"
	ActionPassword      = "PASSWORD"
	ActionJWTBearer     = "JWT_BEARER"
)

// The outcomes of /auth/token, /auth/token/issue and /auth/token/fail
// (family 005). The text of a client error is also its error_description.
var (
	resTokenOK       = authzResult{"G005001", "", "the token response is ready"}
	resTokenPassword = authzResult{"G005002", "", "the resource owner password credentials request is valid; check username and password against the user store, then call /auth/token/issue or /auth/token/fail with the ticket (RFC 6749 §4.3.2)"}
	// resTokenFailed's text is the reason's: see resAuthzFailed.
	resTokenFailed = authzResult{"G005003", "", "%s"}
	// resTokenJWTBearer answers a JWT bearer request of a service that
	// trusts no issuer (Authlete's JWT_BEARER): the assertion is well formed
	// and its claims pass the checks that need no key; the frontend decides
	// the rest.
	resTokenJWTBearer = authzResult{"G005004", "", "the JWT bearer request is well formed and the service trusts no issuer: verify the assertion's signature and issuer, reject a reused jti, map sub to a subject, then decide (RFC 7523 §3)"}

	// Caller (frontend) errors of /auth/token/issue and /fail. The client
	// sees invalid_request, as for the authorization APIs' caller errors.
	resTokenTicketUnknown = authzResult{"G005201", oauth.CodeInvalidRequest, "the ticket is missing, unknown to this service, or not the ticket of a resource owner password credentials request (RFC 6749 §4.3)"}
	resTokenTicketUsed    = authzResult{"G005202", oauth.CodeInvalidRequest, "the ticket was already used: a ticket is single use, one token request gets one token response (RFC 6749 §4.3.3)"}
	resTokenTicketExpired = authzResult{"G005203", oauth.CodeInvalidRequest, "the ticket has expired (the service's ticketDuration); the client must send its token request again (RFC 6749 §4.3.2)"}
	resTokenIssueSubject  = authzResult{"G005204", oauth.CodeInvalidRequest, "subject is required and must be at most 255 printable ASCII characters (OIDC Core §2)"}
	resTokenTicketClient  = authzResult{"G005205", oauth.CodeInvalidRequest, "the client of the ticket no longer exists; tokens are issued only to registered clients (RFC 6749 §2)"}
	resTokenDuration      = authzResult{"G005207", oauth.CodeInvalidRequest, "accessTokenDuration and refreshTokenDuration must be from 0 to %d seconds"}
	resTokenFailReason    = authzResult{"G005206", oauth.CodeInvalidRequest, "reason %q is not INVALID_RESOURCE_OWNER_CREDENTIALS, INVALID_TARGET or UNKNOWN (RFC 6749 §5.2, RFC 8707 §2)"}

	resTokenMalformed     = authzResult{"G005301", oauth.CodeInvalidRequest, "the body cannot be parsed as application/x-www-form-urlencoded, or exceeds the limits (RFC 6749 §3.2)"}
	resTokenDuplicate     = authzResult{"G005302", oauth.CodeInvalidRequest, "parameter %s is repeated (RFC 6749 §3.2)"}
	resTokenNoGrantType   = authzResult{"G005303", oauth.CodeInvalidRequest, "grant_type is missing (RFC 6749 §4.1.3)"}
	resTokenGrantType     = authzResult{"G005304", oauth.CodeUnsupportedGrantType, "grant_type %q is not supported by this service (RFC 6749 §5.2)"}
	resTokenClientGrant   = authzResult{"G005305", oauth.CodeUnauthorizedClient, "the client is not registered for grant_type %q (RFC 6749 §5.2)"}
	resClientAuthFailed   = authzResult{"G005306", oauth.CodeInvalidClient, "client authentication failed (RFC 6749 §2.3, §5.2)"}
	resClientAuthMethods  = authzResult{"G005307", oauth.CodeInvalidClient, "the request uses more than one client authentication method (RFC 6749 §2.3)"}
	resClientIDMismatch   = authzResult{"G005308", oauth.CodeInvalidRequest, "client_id in the body differs from the authenticated client (RFC 6749 §2.3.1)"}
	resTokenNoCode        = authzResult{"G005309", oauth.CodeInvalidRequest, "code is missing (RFC 6749 §4.1.3)"}
	resTokenBadCode       = authzResult{"G005310", oauth.CodeInvalidGrant, "the authorization code is invalid, expired, used, or was issued to another client (RFC 6749 §5.2)"}
	resTokenCodeReused    = authzResult{"G005311", oauth.CodeInvalidGrant, "the authorization code was already used; the tokens issued from it are revoked (RFC 6749 §4.1.2)"}
	resTokenRedirect      = authzResult{"G005312", oauth.CodeInvalidGrant, "redirect_uri does not match the authorization request (RFC 6749 §4.1.3)"}
	resTokenNoVerifier    = authzResult{"G005313", oauth.CodeInvalidGrant, "code_verifier is required: the authorization request used PKCE (RFC 7636 §4.5)"}
	resTokenVerifier      = authzResult{"G005314", oauth.CodeInvalidGrant, "code_verifier does not match the code_challenge (RFC 7636 §4.6)"}
	resTokenDowngrade     = authzResult{"G005315", oauth.CodeInvalidGrant, "code_verifier is given but the authorization request used no PKCE (RFC 9700 §2.1.1)"}
	resTokenNoRefresh     = authzResult{"G005316", oauth.CodeInvalidRequest, "refresh_token is missing (RFC 6749 §6)"}
	resTokenBadRefresh    = authzResult{"G005317", oauth.CodeInvalidGrant, "the refresh token is invalid, expired, revoked, or was issued to another client (RFC 6749 §5.2)"}
	resTokenRefreshReused = authzResult{"G005318", oauth.CodeInvalidGrant, "the refresh token was already used; every token of its grant is revoked (RFC 9700 §4.14.2)"}
	resTokenScopeWiden    = authzResult{"G005319", oauth.CodeInvalidScope, "scope %q was not granted; a refresh may only narrow the scope (RFC 6749 §6)"}
	resTokenScopeSyntax   = authzResult{"G005320", oauth.CodeInvalidScope, "scope holds a value outside the scope-token grammar, or more than 100 scopes (RFC 6749 §3.3)"}
	resTokenScopeRefused  = authzResult{"G005321", oauth.CodeInvalidScope, "scope %q is not available to this client (RFC 6749 §3.3)"}
	resTokenPublicCC      = authzResult{"G005322", oauth.CodeUnauthorizedClient, "client_credentials is for confidential clients only (RFC 6749 §4.4)"}
	resTokenNoUsername    = authzResult{"G005323", oauth.CodeInvalidRequest, "username is missing (RFC 6749 §4.3.2)"}
	resTokenNoPassword    = authzResult{"G005324", oauth.CodeInvalidRequest, "password is missing (RFC 6749 §4.3.2)"}
	resTokenNoAssertion   = authzResult{"G005325", oauth.CodeInvalidRequest, "assertion is missing (RFC 7523 §2.1)"}
	// resTokenBadAssertion is every refusal of a JWT bearer assertion: the
	// client learns that the assertion was refused, never which check
	// refused it (RFC 7523 §3.1).
	resTokenBadAssertion = authzResult{"G005326", oauth.CodeInvalidGrant, "the assertion is malformed, expired, already used, not for this server, or not signed by a trusted issuer (RFC 7523 §3.1)"}
)
