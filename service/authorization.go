package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// AuthorizationResult is the answer of the authorization APIs: an action for
// the frontend and what it needs to carry it out.
type AuthorizationResult struct {
	Action          string
	ResultCode      string
	ResultMessage   string
	ResponseContent string
	// Ticket is the handle for /issue or /fail (INTERACTION, NO_INTERACTION).
	Ticket string
	// Client and Request are set once the client is known and the request
	// valid, for the frontend's login and consent pages.
	Client  *store.Client
	Request *AuthorizationRequest
	// Scopes are the requested scopes with their descriptions.
	Scopes []store.Scope

	// What /issue minted, for frontends that want it (Authlete returns them).
	AuthorizationCode    string
	AccessToken          string
	AccessTokenExpiresAt int64 // epoch milliseconds
	AccessTokenDuration  int64 // seconds
	IDToken              string
}

// message renders a result as resultCode and resultMessage.
func (r authzResult) message(args ...any) (code, message string) {
	return r.code, "[" + r.code + "] " + fmt.Sprintf(r.text, args...)
}

// badRequest is an answer the frontend shows as an error page: no redirect.
func badRequest(r authzResult, args ...any) AuthorizationResult {
	code, msg := r.message(args...)
	out := AuthorizationResult{Action: ActionBadRequest, ResultCode: code, ResultMessage: msg}
	if r.oauthError != "" {
		out.ResponseContent = oauth.NewError(r.oauthError, msg).JSON()
	} else {
		out.ResponseContent = oauth.NewError(oauth.CodeInvalidRequest, msg).JSON()
	}
	return out
}

// Authorization validates an authorization request (RFC 6749 §4.1.1,
// §4.2.1; OIDC Core §3) of svc, given as its raw query string or form body.
// Until the client and its redirect URI are validated, every error is a
// BAD_REQUEST the frontend shows itself: redirecting to an unvalidated URI
// would make the server an open redirector (RFC 6749 §4.1.2.1). After that,
// errors go back to the client as LOCATION or FORM. A valid request gets a
// ticket and INTERACTION, or NO_INTERACTION for prompt=none.
//
// The error is non-nil only when the store failed.
func (e *Engine) Authorization(ctx context.Context, svc store.Service, parameters string) (AuthorizationResult, error) {
	p, err := oauth.ParseParams(parameters)
	if err != nil {
		return badRequest(resAuthzMalformed), nil
	}
	if p.Duplicated("client_id") || p.Duplicated("redirect_uri") {
		return badRequest(resAuthzDupClient), nil
	}
	if !p.Has("client_id") {
		return badRequest(resAuthzNoClientID), nil
	}
	client, aliasUsed, err := e.lookupClient(ctx, svc.APIKey, p.Get("client_id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return badRequest(resAuthzUnknownClient), nil
	case err != nil:
		return AuthorizationResult{}, AsError(err)
	}
	redirectURI, bad := matchRedirectURI(client, p.Get("redirect_uri"), requestsOpenID(svc, client, p))
	if bad != nil {
		return badRequest(*bad), nil
	}

	req := AuthorizationRequest{
		ClientID:          client.ClientID,
		ClientIDAliasUsed: aliasUsed,
		RedirectURI:       redirectURI,
		RedirectURIGiven:  p.Has("redirect_uri"),
		State:             p.Get("state"),
	}
	if len(req.State) > maxValueLength {
		// Echoing it in an error redirect would defeat the limit.
		return badRequest(resAuthzLongValue, "state", maxValueLength), nil
	}
	if !echoable(req.State) {
		// A state that cannot be echoed exactly cannot be echoed at all.
		return badRequest(resAuthzStateChars), nil
	}
	// How errors travel from here: the response mode asked for if it is
	// valid and supported, else the default of the response type, else query.
	rt, rtOK := oauth.ParseResponseType(p.Get("response_type"))
	req.ResponseType = rt
	req.ResponseMode = p.Get("response_mode")
	if !oauth.ResponseModes.Contains(req.ResponseMode) || !slices.Contains(svc.SupportedResponseModes, req.ResponseMode) {
		req.ResponseMode = oauth.ModeQuery
		if rtOK {
			req.ResponseMode = oauth.DefaultResponseMode(rt)
		}
	}
	reply := e.replyTo(svc, req)
	if p.Duplicated("state") {
		reply.state = "" // which state would be the client's? Echo none.
		return reply.error(resAuthzDuplicate, "state"), nil
	}
	if r, args := checkRequest(svc, client, p, &req); r != nil {
		return reply.error(*r, args...), nil
	}
	if p.Has("id_token_hint") {
		sub, err := e.idTokenHintSubject(ctx, svc, p.Get("id_token_hint"))
		var engineErr *Error
		switch {
		case errors.As(err, &engineErr):
			// The engine's own failures (store, keys) are not the client's.
			return AuthorizationResult{}, err
		case err != nil:
			return reply.error(resAuthzIDTokenHint), nil
		}
		req.Subject = sub
	}

	ticket, err := e.newTicket(ctx, svc, ticketAuthorization, req)
	if err != nil {
		return AuthorizationResult{}, err
	}
	result := resAuthzInteraction
	action := ActionInteraction
	if slices.Contains(req.Prompts, "none") {
		result, action = resAuthzNoInteraction, ActionNoInteraction
	}
	code, msg := result.message()
	return AuthorizationResult{
		Action:        action,
		ResultCode:    code,
		ResultMessage: msg,
		Ticket:        ticket,
		Client:        &client,
		Request:       &req,
		Scopes:        describeScopes(svc, req.Scopes),
	}, nil
}

// requestsOpenID reports whether a request is OpenID Connect: openid among
// its scopes, or among the service's default scopes when it names none.
func requestsOpenID(svc store.Service, c store.Client, p oauth.Params) bool {
	if p.Has("scope") {
		return slices.Contains(fields(p.Get("scope")), "openid")
	}
	return slices.Contains(defaultScopes(svc, c), "openid")
}

// checkRequest applies, in order, every rule that remains once the client
// and redirect URI are known, filling req. It returns the first broken rule.
func checkRequest(svc store.Service, c store.Client, p oauth.Params, req *AuthorizationRequest) (*authzResult, []any) {
	if dup := p.AnyDuplicated(); dup != "" {
		return &resAuthzDuplicate, []any{dup}
	}
	for _, name := range []string{"nonce", "login_hint", "acr_values", "ui_locales", "claims_locales"} {
		if len(p.Get(name)) > maxValueLength {
			return &resAuthzLongValue, []any{name, maxValueLength}
		}
	}
	// Text travels through the ticket as JSON, which would replace invalid
	// UTF-8: refuse it rather than hand back something else.
	for _, name := range []string{"nonce", "login_hint", "acr_values", "ui_locales", "claims_locales", "id_token_hint", "claims"} {
		if !utf8.ValidString(p.Get(name)) {
			return &resAuthzNotUTF8, []any{name}
		}
	}
	switch {
	case p.Has("request"):
		return &resAuthzRequestObject, nil
	case p.Has("request_uri"):
		return &resAuthzRequestURI, nil
	case p.Has("registration"):
		return &resAuthzRegistration, nil
	}
	if r, args := checkResponseType(svc, c, p, req); r != nil {
		return r, args
	}
	if r, args := checkScopes(svc, c, p, req); r != nil {
		return r, args
	}
	if oauth.ResponseTypeHas(req.ResponseType, "id_token") {
		if !req.OpenID() {
			return &resAuthzOpenIDRequired, []any{req.ResponseType}
		}
		if !p.Has("nonce") {
			return &resAuthzNonceRequired, nil
		}
	}
	req.Nonce = p.Get("nonce")
	if r, args := checkPKCE(svc, c, p, req); r != nil {
		return r, args
	}
	return checkOIDCParams(svc, p, req)
}

func checkResponseType(svc store.Service, c store.Client, p oauth.Params, req *AuthorizationRequest) (*authzResult, []any) {
	raw := p.Get("response_type")
	switch {
	case raw == "":
		return &resAuthzNoResponseType, nil
	case req.ResponseType == "" || !slices.Contains(svc.SupportedResponseTypes, req.ResponseType):
		return &resAuthzResponseType, []any{raw}
	case !slices.Contains(c.ResponseTypes, req.ResponseType):
		return &resAuthzClientRespType, []any{raw}
	}
	mode := p.Get("response_mode")
	if mode == "" {
		mode = req.ResponseMode // the default of the response type
	}
	switch {
	case !oauth.ResponseModes.Contains(mode):
		return &resAuthzResponseMode, []any{mode}
	case mode == oauth.ModeQuery && oauth.DefaultResponseMode(req.ResponseType) == oauth.ModeFragment:
		return &resAuthzQueryMode, nil
	case !slices.Contains(svc.SupportedResponseModes, mode):
		return &resAuthzModeRefused, []any{mode}
	}
	req.ResponseMode = mode
	return nil, nil
}

// checkScopes validates the scope parameter (RFC 6749 §3.3): the grammar,
// then what the service supports and the client may request. Values outside
// that are refused when the service sets scopeRequired, dropped otherwise;
// never granted. No scope at all means the service's default scopes.
func checkScopes(svc store.Service, c store.Client, p oauth.Params, req *AuthorizationRequest) (*authzResult, []any) {
	if !scopeGrammar(p.Get("scope")) {
		return &resAuthzScopeSyntax, nil
	}
	requested := fields(p.Get("scope"))
	if !p.Has("scope") {
		requested = defaultScopes(svc, c)
	}
	for _, s := range requested {
		if slices.Contains(req.Scopes, s) {
			continue
		}
		if !scopeAllowed(svc, c, s) {
			if svc.ScopeRequired {
				return &resAuthzScopeRefused, []any{s}
			}
			continue
		}
		req.Scopes = append(req.Scopes, s)
	}
	if svc.ScopeRequired && len(req.Scopes) == 0 {
		return &resAuthzScopeRequired, nil
	}
	return nil, nil
}

// echoable reports whether a state can travel through the ticket (JSON)
// and back unchanged: valid UTF-8 without control characters. RFC 6749
// Appendix A.5 asks for printable ASCII; clients that send UTF-8 text are
// served too, since it comes back byte for byte.
func echoable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// maxRequestScopes bounds the scopes of one request, whatever fits in the
// parameter limits: no service needs more, and each one costs lookups.
const maxRequestScopes = 100

// scopeGrammar reports whether s is a list of at most maxRequestScopes
// scope-tokens separated by spaces (RFC 6749 §3.3). A tab or a line break
// is not a separator but a forbidden character (SECURITY A25).
func scopeGrammar(s string) bool {
	n := 0
	for _, tok := range strings.Split(s, " ") {
		if tok == "" {
			continue
		}
		if n++; n > maxRequestScopes || !oauth.IsScopeToken(tok) {
			return false
		}
	}
	return true
}

// defaultScopes are the scopes of a request that names none (RFC 6749
// §3.3): the service's defaultEntry scopes the client may request.
func defaultScopes(svc store.Service, c store.Client) []string {
	var out []string
	for _, s := range svc.SupportedScopes {
		if s.DefaultEntry && scopeAllowed(svc, c, s.Name) {
			out = append(out, s.Name)
		}
	}
	return out
}

// scopeAllowed reports whether the service supports scope and the client may
// request it.
func scopeAllowed(svc store.Service, c store.Client, scope string) bool {
	supported := slices.ContainsFunc(svc.SupportedScopes, func(s store.Scope) bool { return s.Name == scope })
	return supported && (!c.RequestableScopesEnabled || slices.Contains(c.RequestableScopes, scope))
}

// checkPKCE applies RFC 7636 and the service's and client's policy to a
// request for a code. A valid challenge is always accepted, needed or not
// (SECURITY A49).
func checkPKCE(svc store.Service, c store.Client, p oauth.Params, req *AuthorizationRequest) (*authzResult, []any) {
	challenge, method := p.Get("code_challenge"), p.Get("code_challenge_method")
	if !oauth.ResponseTypeHas(req.ResponseType, "code") {
		return nil, nil
	}
	switch {
	case challenge == "" && method != "":
		return &resAuthzPKCENoChallenge, nil
	case challenge == "" && c.ClientType == oauth.ClientPublic:
		return &resAuthzPKCEPublic, nil
	case challenge == "" && (svc.PKCERequired || c.PKCERequired):
		return &resAuthzPKCERequired, nil
	case challenge == "":
		return nil, nil
	case !oauth.IsCodeChallenge(challenge):
		return &resAuthzPKCESyntax, nil
	}
	if method == "" {
		method = oauth.PKCEPlain // RFC 7636 §4.3: the default
	}
	switch {
	case method != oauth.PKCES256 && method != oauth.PKCEPlain:
		return &resAuthzPKCEMethod, []any{method}
	case method == oauth.PKCEPlain && (svc.PKCES256Required || c.PKCES256Required || c.ClientType == oauth.ClientPublic):
		return &resAuthzPKCEPlain, nil
	}
	req.CodeChallenge, req.CodeChallengeMethod = challenge, method
	return nil, nil
}

// maxMaxAge bounds max_age: 2^31-1 seconds is 68 years (SECURITY A41).
const maxMaxAge = 1<<31 - 1

// checkOIDCParams reads prompt, max_age, display, the hints, the locales and
// the claims parameter (OIDC Core §3.1.2.1, §5.5).
func checkOIDCParams(svc store.Service, p oauth.Params, req *AuthorizationRequest) (*authzResult, []any) {
	for _, v := range fields(p.Get("prompt")) {
		if !oauth.Prompts.Contains(v) {
			return &resAuthzPrompt, []any{v}
		}
		if !slices.Contains(req.Prompts, v) {
			req.Prompts = append(req.Prompts, v)
		}
	}
	if slices.Contains(req.Prompts, "none") && len(req.Prompts) > 1 {
		return &resAuthzPromptNone, nil
	}
	if p.Has("max_age") {
		n, err := strconv.Atoi(p.Get("max_age"))
		if err != nil || n < 0 || n > maxMaxAge {
			return &resAuthzMaxAge, nil
		}
		req.MaxAge, req.HasMaxAge = n, true
	}
	if d := p.Get("display"); d != "" {
		if !oauth.Displays.Contains(d) {
			return &resAuthzDisplay, []any{d}
		}
		req.Display = d
	}
	req.LoginHint = p.Get("login_hint")
	req.ACRs = fields(p.Get("acr_values"))
	req.UILocales = fields(p.Get("ui_locales"))
	req.ClaimsLocales = fields(p.Get("claims_locales"))
	var claimsParam map[string]map[string]any
	if raw := p.Get("claims"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &claimsParam); err != nil {
			return &resAuthzClaimsParam, nil
		}
		req.ClaimsRequest = raw
	}
	if req.OpenID() {
		req.Claims = requestedClaims(svc, req.Scopes, claimsParam)
		req.UserInfoClaims = requestedClaims(svc, nil, map[string]map[string]any{"userinfo": claimsParam["userinfo"]})
	}
	return nil, nil
}

// describeScopes returns the service's records of the requested scopes, for
// the consent page.
func describeScopes(svc store.Service, names []string) []store.Scope {
	out := make([]store.Scope, 0, len(names))
	for _, n := range names {
		for _, s := range svc.SupportedScopes {
			if s.Name == n {
				out = append(out, s)
			}
		}
	}
	return out
}
