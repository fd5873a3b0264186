package service

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// TokenRequest is a token request as the frontend received it (RFC 6749
// §3.2): the form body and, when the client used HTTP Basic, the
// credentials from the Authorization header.
type TokenRequest struct {
	Parameters   string
	ClientID     string
	ClientSecret string
	Properties   []store.Property
	// AccessTokenDuration and RefreshTokenDuration, in seconds, override the
	// client's and the service's lifetimes for this request; 0 keeps them.
	AccessTokenDuration, RefreshTokenDuration int64
}

// TokenResult is the answer of /auth/token, /auth/token/issue and
// /auth/token/fail.
type TokenResult struct {
	Action          string
	ResultCode      string
	ResultMessage   string
	ResponseContent string

	AccessToken           string
	AccessTokenExpiresAt  int64 // epoch milliseconds
	AccessTokenDuration   int64 // seconds
	RefreshToken          string
	RefreshTokenExpiresAt int64
	RefreshTokenDuration  int64
	IDToken               string
	Subject               string
	Scopes                []string
	ClientID              int64
	GrantType             string // the wire grant type

	// Ticket, Username and Password are the PASSWORD action's: the frontend
	// checks the resource owner's credentials against its user store, then
	// calls /auth/token/issue or /auth/token/fail with the ticket. The
	// password is never stored or logged; this is the only place it goes.
	Ticket   string
	Username string
	Password string

	// Assertion and AssertionClaims are the JWT_BEARER action's: the
	// assertion of the JWT bearer request (RFC 7523 §2.1) as sent, and its
	// payload as a JSON object, NOT verified — the service trusts no issuer,
	// so the frontend checks the signature, the issuer and the jti's single
	// use, and decides.
	Assertion       string
	AssertionClaims string

	// RetryAfter is the TOO_MANY_REQUESTS action's: seconds before the
	// client may try to authenticate again.
	RetryAfter int64
}

// tokenError answers a token request with an OAuth error (RFC 6749 §5.2):
// INVALID_CLIENT for invalid_client, so the frontend answers 401 with a
// challenge when the client used Basic, else BAD_REQUEST.
func tokenError(r authzResult, args ...any) TokenResult {
	code, msg := r.message(args...)
	action := ActionBadRequest
	if r.oauthError == oauth.CodeInvalidClient {
		action = ActionInvalidClient
	}
	return TokenResult{Action: action, ResultCode: code, ResultMessage: msg,
		ResponseContent: oauth.NewError(r.oauthError, msg).JSON()}
}

// grant is what one grant type contributes: it checks its own parameters and
// says what to issue. Client authentication and the grant type checks
// happen once, before any grant runs, so no grant can skip them.
type grant func(ctx context.Context, svc store.Service, c store.Client, p oauth.Params) (issue, *TokenResult, error)

// Token runs a token request of svc: parse once, authenticate the client,
// check the grant type against the service and the client, then the grant.
// The error is non-nil only when the store failed.
func (e *Engine) Token(ctx context.Context, svc store.Service, req TokenRequest) (TokenResult, error) {
	if req.AccessTokenDuration < 0 || req.AccessTokenDuration > maxTokenDuration ||
		req.RefreshTokenDuration < 0 || req.RefreshTokenDuration > maxTokenDuration {
		return tokenError(resTokenDuration, maxTokenDuration), nil
	}
	p, err := oauth.ParseParams(req.Parameters)
	if err != nil {
		return tokenError(resTokenMalformed), nil
	}
	if dup := p.AnyDuplicated(); dup != "" {
		return tokenError(resTokenDuplicate, dup), nil
	}
	if !p.Has("grant_type") {
		return tokenError(resTokenNoGrantType), nil
	}
	client, bad, err := e.authenticateClient(ctx, svc, p, req.ClientID, req.ClientSecret)
	if err != nil || bad != nil {
		return outcome(bad, err)
	}
	gt := p.Get("grant_type")
	grants := map[string]grant{
		oauth.GrantAuthorizationCode: e.grantAuthorizationCode,
		oauth.GrantRefreshToken:      e.grantRefreshToken,
		oauth.GrantClientCredentials: e.grantClientCredentials,
		oauth.GrantPassword:          e.grantPassword(req.Properties),
		oauth.GrantJWTBearer:         e.grantJWTBearer,
	}
	run, known := grants[gt]
	switch {
	case !known || !slices.Contains(svc.SupportedGrantTypes, gt):
		return tokenError(resTokenGrantType, gt), nil
	case !slices.Contains(client.GrantTypes, gt):
		return tokenError(resTokenClientGrant, gt), nil
	}
	is, bad, err := run(ctx, svc, client, p)
	if err != nil || bad != nil {
		return outcome(bad, err)
	}
	is.properties = append(is.properties, req.Properties...)
	is.accessLifetime, is.refreshLifetime = req.AccessTokenDuration, req.RefreshTokenDuration
	return e.issueTokens(ctx, svc, client, gt, is)
}

// outcome returns a failed step's answer, or its store error.
func outcome(bad *TokenResult, err error) (TokenResult, error) {
	if err != nil {
		return TokenResult{}, err
	}
	return *bad, nil
}

// fail is a grant's way to answer an OAuth error.
func fail(r authzResult, args ...any) (issue, *TokenResult, error) {
	t := tokenError(r, args...)
	return issue{}, &t, nil
}

// issue is what a grant decided to issue.
type issue struct {
	grantID        string
	subject        string
	idTokenSubject string
	scopes         []string // of the access token
	refreshScopes  []string // of a new refresh token; nil means scopes
	refresh        bool     // issue a new refresh token
	keepRefresh    string   // the refresh token to answer again (refreshTokenKept)
	keepRefreshExp time.Time
	idToken        *IDToken // sign one when not nil
	properties     []store.Property
	userInfoClaims []string // see store.Token.UserInfoClaims
	aliasUsed      bool     // see store.Token.ClientIDAliasUsed
	authTime       time.Time
	acr            string
	// replay, when set, is the mark a replay of the single-use credential
	// this grant spent leaves (see replayed): claimed once the tokens are
	// stored, so a replay racing the issue cannot miss them.
	replay *replayMark
	// Lifetimes the frontend asked for, in seconds; 0 means the client's,
	// else the service's (DESIGN §5).
	accessLifetime, refreshLifetime int64
	// Set by issueTokens: the wire grant type, and when the refresh token
	// answered with the access token expires (zero: none).
	grantType  string
	refreshExp time.Time
}

// replayMark names the single use of a code or rotated refresh token, and
// the answer a replay gets.
type replayMark struct {
	key       string
	expiresAt time.Time
	result    authzResult
}

// claimReplayed is the kind of the replay marks.
const claimReplayed = "replayed"

// replayed answers a second use of a single-use credential: it revokes the
// credential's grant (RFC 6749 §4.1.2, RFC 9700 §4.14.2). The winner of the
// first use may still be storing its tokens, so the replay first leaves a
// mark; the winner claims the same mark after storing them and, finding it
// taken, revokes the grant itself. Whichever comes first, nothing survives.
func (e *Engine) replayed(ctx context.Context, svc store.Service, grantID string, m replayMark) (issue, *TokenResult, error) {
	if err := e.store.Claim(ctx, svc.APIKey, claimReplayed, m.key, m.expiresAt); err != nil && !errors.Is(err, store.ErrConsumed) {
		return issue{}, nil, AsError(fmt.Errorf("mark replay: %w", err))
	}
	if _, err := e.store.DeleteGrant(ctx, svc.APIKey, grantID); err != nil {
		return issue{}, nil, AsError(fmt.Errorf("revoke replayed grant: %w", err))
	}
	return fail(m.result)
}

// checkReplay is the winner's half of replayed, run once its tokens exist:
// if a replay already came, the tokens just stored are revoked with the rest
// of the grant. The winner still gets its answer — exactly one redemption
// succeeds (SECURITY T09) — but what it carries no longer works.
func (e *Engine) checkReplay(ctx context.Context, svc store.Service, is issue) error {
	if is.replay == nil {
		return nil
	}
	err := e.store.Claim(ctx, svc.APIKey, claimReplayed, is.replay.key, is.replay.expiresAt)
	switch {
	case errors.Is(err, store.ErrConsumed):
		if _, err := e.store.DeleteGrant(ctx, svc.APIKey, is.grantID); err != nil {
			return AsError(fmt.Errorf("revoke replayed grant: %w", err))
		}
	case err != nil:
		return AsError(fmt.Errorf("mark first use: %w", err))
	}
	return nil
}

// tokenResponse is the successful token response (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

// issueTokens mints what a grant decided and renders the token response.
// A new refresh token is stored before the access token, so the access
// token can carry when its grant stops being refreshable.
func (e *Engine) issueTokens(ctx context.Context, svc store.Service, c store.Client, grantType string, is issue) (TokenResult, error) {
	now := e.now()
	is.grantType = grantType
	out := TokenResult{Subject: is.subject, Scopes: is.scopes, ClientID: c.ClientID, GrantType: grantType}
	switch {
	case is.refresh:
		scopes := is.refreshScopes
		if scopes == nil {
			scopes = is.scopes
		}
		rt, rtLife, err := e.newToken(ctx, svc, c, "refresh", is, scopes, cmp.Or(is.refreshLifetime, refreshLifetime(svc, c)))
		if err != nil {
			return TokenResult{}, err
		}
		is.refreshExp = now.Add(time.Duration(rtLife) * time.Second)
		out.RefreshToken, out.RefreshTokenDuration = rt, rtLife
	case is.keepRefresh != "":
		is.refreshExp = is.keepRefreshExp
		out.RefreshToken = is.keepRefresh
		out.RefreshTokenDuration = int64(is.keepRefreshExp.Sub(now) / time.Second)
	}
	if out.RefreshToken != "" {
		out.RefreshTokenExpiresAt = is.refreshExp.UnixMilli()
	}
	at, atLife, err := e.newToken(ctx, svc, c, "access", is, is.scopes, cmp.Or(is.accessLifetime, accessLifetime(svc, c)))
	if err != nil {
		return TokenResult{}, err
	}
	out.Action, out.AccessToken, out.AccessTokenDuration = ActionOK, at, atLife
	out.AccessTokenExpiresAt = now.Add(time.Duration(atLife) * time.Second).UnixMilli()
	resp := tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: atLife, Scope: strings.Join(is.scopes, " ")}
	resp.RefreshToken = out.RefreshToken
	if is.idToken != nil {
		is.idToken.AccessToken = at
		idt, err := e.SignIDToken(ctx, svc, c, *is.idToken)
		if err != nil {
			return TokenResult{}, err
		}
		out.IDToken, resp.IDToken = idt, idt
	}
	if err := e.checkReplay(ctx, svc, is); err != nil {
		return TokenResult{}, err
	}
	body, err := json.Marshal(resp)
	if err != nil {
		return TokenResult{}, Internal(fmt.Errorf("encode token response: %w", err))
	}
	out.ResponseContent = string(body)
	out.ResultCode, out.ResultMessage = resTokenOK.message()
	return out, nil
}

func accessLifetime(svc store.Service, c store.Client) int64 {
	if c.AccessTokenDuration > 0 {
		return c.AccessTokenDuration
	}
	return svc.AccessTokenDuration
}

func refreshLifetime(svc store.Service, c store.Client) int64 {
	if c.RefreshTokenDuration > 0 {
		return c.RefreshTokenDuration
	}
	return svc.RefreshTokenDuration
}

// newToken stores a token of the grant and returns it raw with its lifetime.
func (e *Engine) newToken(ctx context.Context, svc store.Service, c store.Client, kind string, is issue, scopes []string, lifetime int64) (string, int64, error) {
	raw, err := newSecret(e.rand)
	if err != nil {
		return "", 0, Internal(err)
	}
	now := e.now()
	t := store.Token{
		ServiceID: svc.APIKey, Hash: hashToken(raw), Kind: kind, GrantID: is.grantID,
		ClientID: c.ClientID, Subject: is.subject, Scopes: scopes, Properties: is.properties,
		AuthTime: is.authTime, ACR: is.acr, IDTokenSubject: is.idTokenSubject, GrantType: is.grantType,
		UserInfoClaims: is.userInfoClaims, ClientIDAliasUsed: is.aliasUsed, CreatedAt: now, ExpiresAt: now.Add(time.Duration(lifetime) * time.Second),
	}
	if kind == "access" {
		t.RefreshExpiresAt = is.refreshExp
	}
	err = e.store.CreateToken(ctx, t)
	if err != nil {
		return "", 0, AsError(fmt.Errorf("store %s token: %w", kind, err))
	}
	return raw, lifetime, nil
}
