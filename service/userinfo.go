package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-oss/gatehouse/store"
)

// The answers of /auth/userinfo/issue with a UserInfo response (OIDC Core
// §5.3.2): a plain JSON object, or a signed JWT when the client registered
// userInfoSignedResponseAlg.
const (
	ActionJSON = "JSON"
	ActionJWT  = "JWT"
)

// The outcomes of /auth/userinfo and /auth/userinfo/issue (family 008). The
// text of an error is also the error_description of its WWW-Authenticate
// value (RFC 6750 §3).
var (
	resUserInfoOK        = authzResult{"G008001", "", "the access token is usable at the UserInfo endpoint: collect the listed claims and call /auth/userinfo/issue (OIDC Core §5.3)"}
	resUserInfoIssued    = authzResult{"G008002", "", "the UserInfo response is ready (OIDC Core §5.3.2)"}
	resUserInfoNoToken   = authzResult{"G008201", bearerInvalidRequest, "token is missing: the request carries no access token (RFC 6750 §3.1)"}
	resUserInfoBadClaims = authzResult{"G008202", bearerInvalidRequest, "claims must be a JSON object of end-user claims (OIDC Core §5.3.2)"}
	resUserInfoRefused   = authzResult{"G008203", bearerInvalidRequest, "claims refused: %s"}
	resUserInfoBadSub    = authzResult{"G008204", bearerInvalidRequest, "sub must be at most 255 ASCII characters (OIDC Core §2)"}
	resUserInfoUnknown   = authzResult{"G008301", bearerInvalidToken, "the access token is unknown to this service or was revoked (RFC 6750 §3.1)"}
	resUserInfoExpired   = authzResult{"G008302", bearerInvalidToken, "the access token has expired (RFC 6750 §3.1)"}
	resUserInfoRefresh   = authzResult{"G008303", bearerInvalidToken, "the token is a refresh token, not an access token (RFC 6749 §1.5)"}
	resUserInfoNoOpenID  = authzResult{"G008304", bearerInsufficientScope, "the access token was not granted the openid scope (OIDC Core §5.3)"}
)

// UserInfoResult is the answer of /auth/userinfo (Authlete's
// UserInfoResponse). For BAD_REQUEST, UNAUTHORIZED and FORBIDDEN,
// ResponseContent is the WWW-Authenticate value the frontend answers with
// (RFC 6750 §3).
type UserInfoResult struct {
	Action          string
	ResultCode      string
	ResultMessage   string
	ResponseContent string

	ClientID int64
	Subject  string
	Scopes   []string
	// Claims are the claim names the frontend must collect: those of the
	// token's scopes (OIDC Core §5.4) that the service supports. The claims
	// request parameter (OIDC Core §5.5) is not stored on tokens, so its
	// userinfo member cannot be honoured yet.
	Claims []string
}

// UserInfoIssueRequest is the body of /auth/userinfo/issue (Authlete's
// UserInfoIssueRequest).
type UserInfoIssueRequest struct {
	Token string
	// Claims is a JSON object of end-user claims, as a string.
	Claims string
	// Sub, when given, replaces the token's subject in the response.
	Sub string
}

// UserInfoIssueResult is the answer of /auth/userinfo/issue (Authlete's
// UserInfoIssueResponse): for JSON, ResponseContent is the UserInfo
// response; for errors, the WWW-Authenticate value.
type UserInfoIssueResult struct {
	Action          string
	ResultCode      string
	ResultMessage   string
	ResponseContent string
}

// userInfoFailure is a failed check of a UserInfo call.
type userInfoFailure struct {
	action string
	result authzResult
	scope  string
	args   []any
}

func (f *userInfoFailure) render() (action, code, msg, challenge string) {
	code, msg, challenge = bearerChallenge(f.result, f.scope, f.args...)
	return f.action, code, msg, challenge
}

// userInfoToken looks up an access token presented at the UserInfo
// endpoint: it must be an unexpired access token of this service (a token
// of another service is unknown here) with the openid scope. The error is
// non-nil only when the store failed.
func (e *Engine) userInfoToken(ctx context.Context, svc store.Service, raw string) (store.Token, *userInfoFailure, error) {
	if raw == "" {
		return store.Token{}, &userInfoFailure{action: ActionBadRequest, result: resUserInfoNoToken}, nil
	}
	t, err := e.store.GetToken(ctx, svc.APIKey, hashToken(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Token{}, &userInfoFailure{action: ActionUnauthorized, result: resUserInfoUnknown}, nil
	case err != nil:
		return store.Token{}, nil, AsError(fmt.Errorf("get token: %w", err))
	case t.Kind != "access":
		return store.Token{}, &userInfoFailure{action: ActionUnauthorized, result: resUserInfoRefresh}, nil
	case !e.now().Before(t.ExpiresAt):
		return store.Token{}, &userInfoFailure{action: ActionUnauthorized, result: resUserInfoExpired}, nil
	case !slices.Contains(t.Scopes, "openid"):
		return store.Token{}, &userInfoFailure{action: ActionForbidden, result: resUserInfoNoOpenID, scope: "openid"}, nil
	}
	return t, nil, nil
}

// UserInfo checks the access token of a UserInfo request (Authlete's
// /auth/userinfo) and tells the frontend whose claims to collect:
// BAD_REQUEST without a token; UNAUTHORIZED for a token that is unknown,
// revoked, expired, of another service or not an access token; FORBIDDEN
// without the openid scope; else OK. The error is non-nil only when the
// store failed.
func (e *Engine) UserInfo(ctx context.Context, svc store.Service, token string) (UserInfoResult, error) {
	t, fail, err := e.userInfoToken(ctx, svc, token)
	if err != nil {
		return UserInfoResult{}, err
	}
	var out UserInfoResult
	if fail != nil {
		out.Action, out.ResultCode, out.ResultMessage, out.ResponseContent = fail.render()
		return out, nil
	}
	out.Action = ActionOK
	out.ResultCode, out.ResultMessage = resUserInfoOK.message()
	out.ClientID, out.Subject, out.Scopes = t.ClientID, t.Subject, t.Scopes
	out.Claims = tokenClaims(svc, t)
	return out, nil
}

// UserInfoIssue builds the UserInfo response (Authlete's
// /auth/userinfo/issue) from the claims the frontend collected: the token
// is checked as by UserInfo, the claims are checked as for an ID token,
// and only the claims the token's scopes cover are kept (OIDC Core §5.4),
// with sub set to the token's subject or to the request's override. The
// answer is JSON, or a JWT signed with the service's key when the client
// registered userInfoSignedResponseAlg. The error is non-nil only when the
// store failed.
func (e *Engine) UserInfoIssue(ctx context.Context, svc store.Service, req UserInfoIssueRequest) (UserInfoIssueResult, error) {
	var out UserInfoIssueResult
	reject := func(f *userInfoFailure) (UserInfoIssueResult, error) {
		out.Action, out.ResultCode, out.ResultMessage, out.ResponseContent = f.render()
		return out, nil
	}
	t, fail, err := e.userInfoToken(ctx, svc, req.Token)
	if err != nil {
		return UserInfoIssueResult{}, err
	}
	if fail != nil {
		return reject(fail)
	}
	var claims map[string]any
	if req.Claims != "" {
		if err := json.Unmarshal([]byte(req.Claims), &claims); err != nil || claims == nil {
			return reject(&userInfoFailure{action: ActionBadRequest, result: resUserInfoBadClaims})
		}
		if refused := checkClaims(claims, svc.CustomClaimsAllowed); len(refused) > 0 {
			names := make([]string, 0, len(refused))
			for _, f := range refused {
				names = append(names, f.Field+" "+f.Message)
			}
			return reject(&userInfoFailure{action: ActionBadRequest, result: resUserInfoRefused, args: []any{strings.Join(names, "; ")}})
		}
	}
	sub := t.Subject
	if req.Sub != "" {
		if !validSubject(req.Sub) {
			return reject(&userInfoFailure{action: ActionBadRequest, result: resUserInfoBadSub})
		}
		sub = req.Sub
	}
	allowed := tokenClaims(svc, t)
	body := make(map[string]any, len(claims)+1)
	for name, v := range claims {
		base, _, _ := strings.Cut(name, "#") // "name#ja-Kana-JP", OIDC Core §5.2
		if slices.Contains(allowed, base) {
			body[name] = v
		}
	}
	body["sub"] = sub
	out.ResultCode, out.ResultMessage = resUserInfoIssued.message()
	c, err := e.store.GetClient(ctx, svc.APIKey, t.ClientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// The client was deleted after the token was issued: the token
		// outlives it only until it expires, and answers plain JSON.
	case err != nil:
		return UserInfoIssueResult{}, AsError(fmt.Errorf("get client of token: %w", err))
	case c.UserInfoSignedResponseAlg != "":
		// OIDC Core §5.3.2: a signed response carries iss and aud.
		aud := strconv.FormatInt(c.ClientID, 10)
		if t.ClientIDAliasUsed && c.ClientIDAlias != "" {
			aud = c.ClientIDAlias // as in the grant's ID tokens
		}
		body["iss"], body["aud"] = svc.Issuer, aud
		jwt, err := e.signJWT(ctx, svc, c.UserInfoSignedResponseAlg, body)
		if err != nil {
			return UserInfoIssueResult{}, err
		}
		out.Action, out.ResponseContent = ActionJWT, jwt
		return out, nil
	}
	content, err := json.Marshal(body)
	if err != nil {
		return UserInfoIssueResult{}, Internal(fmt.Errorf("encode userinfo response: %w", err))
	}
	out.Action, out.ResponseContent = ActionJSON, string(content)
	return out, nil
}

// tokenClaims are the claims the UserInfo endpoint may release for the
// access token t: those of its scopes and those its authorization's claims
// request asked for (OIDC Core §5.4, §5.5), as the service supports them.
func tokenClaims(svc store.Service, t store.Token) []string {
	asked := make(map[string]any, len(t.UserInfoClaims))
	for _, name := range t.UserInfoClaims {
		asked[name] = nil
	}
	return requestedClaims(svc, t.Scopes, map[string]map[string]any{"userinfo": asked})
}
