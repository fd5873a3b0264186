package service

import "github.com/gatehouse-oss/gatehouse/service/oauth"

// Actions of /auth/token (DESIGN §3), named as in Authlete's API.
const (
	ActionInvalidClient = "INVALID_CLIENT"
	ActionOK            = "OK"
	ActionPassword      = "PASSWORD"
	ActionJWTBearer     = "JWT_BEARER"
)

// The outcomes of /auth/token (family 005). The text of a client error is
// also its error_description.
var (
	resTokenOK = authzResult{"G005001", "", "the token response is ready"}

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
	resTokenScopeSyntax   = authzResult{"G005320", oauth.CodeInvalidScope, "scope holds a value outside the scope-token grammar (RFC 6749 §3.3)"}
	resTokenScopeRefused  = authzResult{"G005321", oauth.CodeInvalidScope, "scope %q is not available to this client (RFC 6749 §3.3)"}
	resTokenPublicCC      = authzResult{"G005322", oauth.CodeUnauthorizedClient, "client_credentials is for confidential clients only (RFC 6749 §4.4)"}
)
