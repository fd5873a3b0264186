package service

import "github.com/gatehouse-oss/gatehouse/service/oauth"

// Actions of the runtime APIs (DESIGN §3), named as in Authlete's API.
const (
	ActionInternalServerError = "INTERNAL_SERVER_ERROR"
	ActionBadRequest          = "BAD_REQUEST"
	ActionLocation            = "LOCATION"
	ActionForm                = "FORM"
	ActionNoInteraction       = "NO_INTERACTION"
	ActionInteraction         = "INTERACTION"
)

// authzResult is one outcome of the authorization APIs: its result code and
// message, and the OAuth error a client sees when it is an error. Every
// message names the rule and the section of the spec that makes it.
type authzResult struct {
	code, oauthError, text string
}

// The outcomes of /auth/authorization, /issue and /fail (family 004).
var (
	// Successes.
	resAuthzInteraction   = authzResult{"G004001", "", "the authorization request is valid; authenticate the end-user and ask for consent, then call /auth/authorization/issue or /fail with the ticket"}
	resAuthzNoInteraction = authzResult{"G004002", "", "the authorization request is valid and has prompt=none: do not show any page (OIDC Core §3.1.2.1); issue if the end-user is logged in and has consented, else fail"}
	resAuthzIssued        = authzResult{"G004003", "", "the authorization response is ready"}
	// resAuthzFailed's text is the reason's: it is the error_description
	// the client reads.
	resAuthzFailed = authzResult{"G004004", "", "%s"}

	// Engine errors.
	resAuthzEngine = authzResult{"G004101", oauth.CodeServerError, "the engine failed; the cause is logged under the request id"}

	// Caller (frontend) errors of /issue and /fail.
	resTicketUnknown       = authzResult{"G004201", "", "the ticket is missing or unknown to this service"}
	resTicketUsed          = authzResult{"G004202", "", "the ticket was already used: a ticket is single use"}
	resTicketExpired       = authzResult{"G004203", "", "the ticket has expired (the service's ticketDuration)"}
	resIssueNoSubject      = authzResult{"G004204", "", "subject is required and must be at most 255 ASCII characters (OIDC Core §2)"}
	resIssueBadClaims      = authzResult{"G004205", "", "claims must be a JSON object of end-user claims"}
	resIssueRefused        = authzResult{"G004206", "", "claims refused: %s"}
	resIssueWideScopes     = authzResult{"G004207", "", "scopes may only narrow the requested scopes, and openid cannot be added: %q was not requested"}
	resFailReason          = authzResult{"G004208", "", "reason %q is not one of the documented reasons"}
	resIssueAuthTime       = authzResult{"G004209", "", "authTime must be seconds since the epoch, not negative and not in the future"}
	resTicketClient        = authzResult{"G004210", "", "the client of the ticket no longer exists"}
	resIssueOpenIDKept     = authzResult{"G004211", "", "scopes must keep openid: response_type %q returns an ID token (OIDC Core §3.1.2.1)"}
	resIssueAuthTimeNeeded = authzResult{"G004212", "", "authTime is required: the request has max_age, so the ID token must carry auth_time (OIDC Core §2)"}

	// Client errors that must not redirect (RFC 6749 §4.1.2.1).
	resAuthzMalformed       = authzResult{"G004301", oauth.CodeInvalidRequest, "the parameters cannot be parsed as application/x-www-form-urlencoded, or exceed the limits (RFC 6749 §3.1)"}
	resAuthzNoClientID      = authzResult{"G004302", oauth.CodeInvalidRequest, "client_id is missing (RFC 6749 §4.1.1)"}
	resAuthzUnknownClient   = authzResult{"G004303", oauth.CodeInvalidClient, "client_id does not name a client of this service (RFC 6749 §4.1.2.1)"}
	resAuthzDupClient       = authzResult{"G004304", oauth.CodeInvalidRequest, "client_id or redirect_uri is repeated (RFC 6749 §3.1)"}
	resAuthzRedirectUnknown = authzResult{"G004305", oauth.CodeInvalidRequest, "redirect_uri is not registered for the client; it must match a registered URI exactly (RFC 6749 §3.1.2.3, RFC 9700 §2.1)"}
	resAuthzRedirectMissing = authzResult{"G004306", oauth.CodeInvalidRequest, "redirect_uri is required: the client has not exactly one registered (RFC 6749 §3.1.2.3)"}
	resAuthzRedirectOIDC    = authzResult{"G004307", oauth.CodeInvalidRequest, "redirect_uri is required in an OpenID Connect request (OIDC Core §3.1.2.1)"}

	// Client errors sent back to the redirect URI.
	resAuthzDuplicate       = authzResult{"G004310", oauth.CodeInvalidRequest, "parameter %s is repeated (RFC 6749 §3.1)"}
	resAuthzRequestObject   = authzResult{"G004311", oauth.CodeRequestNotSupported, "the request parameter is not supported (OIDC Core §6)"}
	resAuthzRequestURI      = authzResult{"G004312", oauth.CodeRequestURINotSupported, "the request_uri parameter is not supported (OIDC Core §6)"}
	resAuthzRegistration    = authzResult{"G004313", oauth.CodeRegistrationNotSupported, "the registration parameter is not supported (OIDC Core §7.2.1)"}
	resAuthzNoResponseType  = authzResult{"G004314", oauth.CodeInvalidRequest, "response_type is missing (RFC 6749 §4.1.1)"}
	resAuthzResponseType    = authzResult{"G004315", oauth.CodeUnsupportedResponseType, "response_type %q is not supported by this service (RFC 6749 §4.1.2.1)"}
	resAuthzClientRespType  = authzResult{"G004316", oauth.CodeUnauthorizedClient, "response_type %q is not registered for the client (RFC 6749 §4.1.2.1)"}
	resAuthzResponseMode    = authzResult{"G004317", oauth.CodeInvalidRequest, "response_mode %q is not one of query, fragment, form_post (OAuth 2.0 Multiple Response Type Encoding Practices §2.1)"}
	resAuthzQueryMode       = authzResult{"G004318", oauth.CodeInvalidRequest, "response_mode query cannot carry tokens (OAuth 2.0 Multiple Response Type Encoding Practices §3.0)"}
	resAuthzScopeSyntax     = authzResult{"G004319", oauth.CodeInvalidScope, "scope holds a value outside the scope-token grammar, or more than 100 scopes (RFC 6749 §3.3)"}
	resAuthzScopeRefused    = authzResult{"G004320", oauth.CodeInvalidScope, "scope %q is not available to this client (RFC 6749 §3.3)"}
	resAuthzScopeRequired   = authzResult{"G004321", oauth.CodeInvalidScope, "scope is required by this service (RFC 6749 §3.3)"}
	resAuthzOpenIDRequired  = authzResult{"G004322", oauth.CodeInvalidScope, "response_type %q returns an ID token and needs the openid scope (OIDC Core §3.1.2.1)"}
	resAuthzNonceRequired   = authzResult{"G004323", oauth.CodeInvalidRequest, "nonce is required when an ID token is returned from the authorization endpoint (OIDC Core §3.2.2.1)"}
	resAuthzPKCEPublic      = authzResult{"G004324", oauth.CodeInvalidRequest, "code_challenge is required: public clients must use PKCE (RFC 9700 §2.1.1, RFC 7636 §4.4.1)"}
	resAuthzPKCERequired    = authzResult{"G004325", oauth.CodeInvalidRequest, "code_challenge is required by this service or client (RFC 7636 §4.4.1)"}
	resAuthzPKCESyntax      = authzResult{"G004326", oauth.CodeInvalidRequest, "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.2)"}
	resAuthzPKCEMethod      = authzResult{"G004327", oauth.CodeInvalidRequest, "code_challenge_method %q is not S256 or plain (RFC 7636 §4.3)"}
	resAuthzPKCEPlain       = authzResult{"G004328", oauth.CodeInvalidRequest, "code_challenge_method must be S256: plain is refused by this service or client (RFC 7636 §4.4.1, RFC 9700 §2.1.1)"}
	resAuthzPKCENoChallenge = authzResult{"G004329", oauth.CodeInvalidRequest, "code_challenge_method is given without code_challenge (RFC 7636 §4.3)"}
	resAuthzPrompt          = authzResult{"G004330", oauth.CodeInvalidRequest, "prompt %q is not one of none, login, consent, select_account, create (OIDC Core §3.1.2.1)"}
	resAuthzPromptNone      = authzResult{"G004331", oauth.CodeInvalidRequest, "prompt none cannot be combined with other values (OIDC Core §3.1.2.1)"}
	resAuthzMaxAge          = authzResult{"G004332", oauth.CodeInvalidRequest, "max_age must be a number of seconds from 0 to 2147483647 (OIDC Core §3.1.2.1)"}
	resAuthzDisplay         = authzResult{"G004333", oauth.CodeInvalidRequest, "display %q is not one of page, popup, touch, wap (OIDC Core §3.1.2.1)"}
	resAuthzIDTokenHint     = authzResult{"G004334", oauth.CodeInvalidRequest, "id_token_hint is not an ID token issued by this service (OIDC Core §3.1.2.1)"}
	resAuthzClaimsParam     = authzResult{"G004335", oauth.CodeInvalidRequest, "claims is not a JSON object with userinfo and id_token members (OIDC Core §5.5)"}
	resAuthzLongValue       = authzResult{"G004336", oauth.CodeInvalidRequest, "parameter %s is longer than %d characters"}
	resAuthzStateChars      = authzResult{"G004338", oauth.CodeInvalidRequest, "state must be text without control characters, valid UTF-8 (RFC 6749 Appendix A.5)"}
	resAuthzNotUTF8         = authzResult{"G004339", oauth.CodeInvalidRequest, "parameter %s is not valid UTF-8 (RFC 6749 Appendix B)"}
	resAuthzModeRefused     = authzResult{"G004337", oauth.CodeInvalidRequest, "response_mode %s is not supported by this service (OAuth 2.0 Multiple Response Type Encoding Practices §2.1)"}
)
