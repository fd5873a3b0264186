package gatehouse

// Action is what the engine tells the frontend to do with an OAuth request
// (DESIGN §3, Authlete's action values). Respond and RespondBearer turn the
// actions that are answers into HTTP; the others (INTERACTION,
// NO_INTERACTION, PASSWORD, JWT_BEARER) ask the frontend to act first.
type Action string

// The actions of the runtime APIs.
const (
	ActionOK            Action = "OK"
	ActionJSON          Action = "JSON"
	ActionJWT           Action = "JWT"
	ActionLocation      Action = "LOCATION"
	ActionForm          Action = "FORM"
	ActionBadRequest    Action = "BAD_REQUEST"
	ActionUnauthorized  Action = "UNAUTHORIZED"
	ActionForbidden     Action = "FORBIDDEN"
	ActionInvalidClient Action = "INVALID_CLIENT"
	// ActionTooManyRequests is Gatehouse's own: the client failed to
	// authenticate too often; Result.RetryAfter says for how long to wait.
	ActionTooManyRequests     Action = "TOO_MANY_REQUESTS"
	ActionInternalServerError Action = "INTERNAL_SERVER_ERROR"
	ActionInteraction         Action = "INTERACTION"
	ActionNoInteraction       Action = "NO_INTERACTION"
	ActionPassword            Action = "PASSWORD"
	ActionJWTBearer           Action = "JWT_BEARER"
)

// Result is what every runtime answer carries. ResultCode and ResultMessage
// are for logs and for the frontend's own decisions; only ResponseContent
// is meant for the OAuth client or the end-user.
type Result struct {
	// ResultCode is "G" + 6 digits; its fifth character is the category:
	// 0 success, 1 engine error, 2 the frontend's error, 3 the client's.
	ResultCode string `json:"resultCode"`
	// ResultMessage is "[<resultCode>] <text>" for humans; do not parse it.
	ResultMessage string `json:"resultMessage"`
	Action        Action `json:"action"`
	// ResponseContent is what the frontend answers with: a JSON body, a
	// redirect URL, an HTML page or a WWW-Authenticate value, as Action says.
	ResponseContent string `json:"responseContent,omitempty"`
	// RetryAfter is the seconds of TOO_MANY_REQUESTS, for the Retry-After
	// header (token and revocation answers).
	RetryAfter int64 `json:"retryAfter,omitempty"`
}

// Property is a key/value pair attached to a grant and its tokens
// (Authlete's Property). A hidden one is never shown to clients.
type Property struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Hidden bool   `json:"hidden,omitempty"`
}

// AuthorizationFailReason is why the frontend refuses an authorization
// request; it decides the client's error code.
type AuthorizationFailReason string

// The reasons of /api/auth/authorization/fail.
const (
	ReasonNotLoggedIn              AuthorizationFailReason = "NOT_LOGGED_IN"              // login_required
	ReasonLoginRequired            AuthorizationFailReason = "LOGIN_REQUIRED"             // login_required
	ReasonConsentRequired          AuthorizationFailReason = "CONSENT_REQUIRED"           // consent_required
	ReasonInteractionRequired      AuthorizationFailReason = "INTERACTION_REQUIRED"       // interaction_required
	ReasonDenied                   AuthorizationFailReason = "DENIED"                     // access_denied
	ReasonAccountSelectionRequired AuthorizationFailReason = "ACCOUNT_SELECTION_REQUIRED" // account_selection_required
	ReasonExceedsMaxAge            AuthorizationFailReason = "EXCEEDS_MAX_AGE"            // login_required
	ReasonDifferentSubject         AuthorizationFailReason = "DIFFERENT_SUBJECT"          // login_required
	ReasonACRNotSatisfied          AuthorizationFailReason = "ACR_NOT_SATISFIED"          // access_denied
	ReasonInvalidScope             AuthorizationFailReason = "INVALID_SCOPE"              // invalid_scope
	ReasonInvalidTarget            AuthorizationFailReason = "INVALID_TARGET"             // invalid_target
	ReasonServerError              AuthorizationFailReason = "SERVER_ERROR"               // server_error
	ReasonUnknown                  AuthorizationFailReason = "UNKNOWN"                    // server_error
)

// TokenFailReason is why the frontend refuses a password request.
type TokenFailReason string

// The reasons of /api/auth/token/fail.
const (
	TokenReasonInvalidCredentials TokenFailReason = "INVALID_RESOURCE_OWNER_CREDENTIALS" // invalid_grant
	TokenReasonInvalidTarget      TokenFailReason = "INVALID_TARGET"                     // invalid_target
	TokenReasonUnknown            TokenFailReason = "UNKNOWN"                            // server_error
)

// Ptr returns a pointer to v, for the optional settings of Service and
// OAuthClient, where nil means "the engine's default".
func Ptr[T any](v T) *T { return &v }
