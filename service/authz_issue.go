package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// AuthorizationIssue is what the frontend sends once the end-user has
// authenticated and consented (Authlete's /auth/authorization/issue).
type AuthorizationIssue struct {
	Ticket  string
	Subject string // the end-user's identifier; required
	// AuthTime is when the end-user authenticated, in seconds since the
	// epoch; 0 means unknown.
	AuthTime int64
	ACR      string
	// Claims is a JSON object of end-user claims for the ID token.
	Claims string
	// Scopes, when not nil, replace the requested scopes: they may narrow
	// them (the end-user unticked some), never widen them.
	Scopes []string
	// Sub, when set, is the ID token's sub instead of Subject (pairwise).
	Sub        string
	Properties []store.Property
}

// maxSubjectLength is OIDC Core §2's bound on sub.
const maxSubjectLength = 255

// AuthorizationIssue mints what the request's response type asks for — an
// authorization code, an access token, an ID token — and answers the
// authorization response as LOCATION or FORM. What can be checked without
// the request (subject, claims, authTime) is checked before the ticket is
// used up, so such a mistake does not cost the end-user the flow; what
// depends on the request (narrowed scopes, auth_time for max_age) can only
// be checked after, and then the flow must start again. The error is
// non-nil only when the store failed.
func (e *Engine) AuthorizationIssue(ctx context.Context, svc store.Service, in AuthorizationIssue) (AuthorizationResult, error) {
	claims, bad, args := checkIssueInput(svc, in, e.now())
	if bad != nil {
		return badRequest(*bad, args...), nil
	}
	var req AuthorizationRequest
	if bad, err := e.consumeTicket(ctx, svc, in.Ticket, ticketAuthorization, &req); err != nil || bad != nil {
		return ticketOutcome(bad, err)
	}
	client, err := e.store.GetClient(ctx, svc.APIKey, req.ClientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return badRequest(resTicketClient), nil
	case err != nil:
		return AuthorizationResult{}, AsError(err)
	}
	scopes := req.Scopes
	if in.Scopes != nil {
		for _, s := range in.Scopes {
			if !slices.Contains(req.Scopes, s) {
				return badRequest(resIssueWideScopes, s), nil
			}
		}
		scopes = in.Scopes
	}
	if oauth.ResponseTypeHas(req.ResponseType, "id_token") && !slices.Contains(scopes, "openid") {
		return badRequest(resIssueOpenIDKept, req.ResponseType), nil
	}
	if req.OpenID() && req.HasMaxAge && in.AuthTime == 0 {
		return badRequest(resIssueAuthTimeNeeded), nil
	}
	return e.mintAuthorization(ctx, svc, client, req, in, scopes, claims)
}

// checkIssueInput checks what /issue can check without the ticket.
func checkIssueInput(svc store.Service, in AuthorizationIssue, now time.Time) (map[string]any, *authzResult, []any) {
	if in.Ticket == "" {
		return nil, &resTicketUnknown, nil
	}
	if !validSubject(in.Subject) || (in.Sub != "" && !validSubject(in.Sub)) {
		return nil, &resIssueNoSubject, nil
	}
	if in.AuthTime < 0 || in.AuthTime > now.Add(clockSkew).Unix() {
		return nil, &resIssueAuthTime, nil
	}
	var claims map[string]any
	if in.Claims != "" {
		if err := json.Unmarshal([]byte(in.Claims), &claims); err != nil || claims == nil {
			return nil, &resIssueBadClaims, nil
		}
		if refused := checkClaims(claims, svc.CustomClaimsAllowed); len(refused) > 0 {
			var names []string
			for _, f := range refused {
				names = append(names, f.Field+" "+f.Message)
			}
			return nil, &resIssueRefused, []any{fmt.Sprint(names)}
		}
	}
	return claims, nil, nil
}

// validSubject is OIDC Core §2's sub: present, at most 255 ASCII characters.
func validSubject(s string) bool {
	return s != "" && len(s) <= maxSubjectLength && isASCII(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// ticketOutcome turns a failed ticket lookup into the answer of the API.
func ticketOutcome(bad *authzResult, err error) (AuthorizationResult, error) {
	if err != nil {
		return AuthorizationResult{}, err
	}
	return badRequest(*bad), nil
}

// mintAuthorization creates the code, token and ID token of one grant.
func (e *Engine) mintAuthorization(ctx context.Context, svc store.Service, c store.Client, req AuthorizationRequest,
	in AuthorizationIssue, scopes []string, claims map[string]any) (AuthorizationResult, error) {
	now := e.now()
	grantID := uuid.NewString()
	var authTime time.Time
	if in.AuthTime > 0 {
		authTime = time.Unix(in.AuthTime, 0)
	}
	out := AuthorizationResult{}
	var params []param
	if oauth.ResponseTypeHas(req.ResponseType, "code") {
		code, err := e.newCode(ctx, svc, c, req, in, scopes, claims, grantID, authTime)
		if err != nil {
			return AuthorizationResult{}, err
		}
		out.AuthorizationCode = code
		params = append(params, param{"code", code})
	}
	if oauth.ResponseTypeHas(req.ResponseType, "token") {
		is := issue{grantID: grantID, subject: in.Subject, idTokenSubject: in.Sub, properties: in.Properties, authTime: authTime, acr: in.ACR, grantType: oauth.GrantImplicit,
			userInfoClaims: req.UserInfoClaims, aliasUsed: req.ClientIDAliasUsed}
		tok, lifetime, err := e.newToken(ctx, svc, c, "access", is, scopes, accessLifetime(svc, c))
		if err != nil {
			return AuthorizationResult{}, err
		}
		out.AccessToken, out.AccessTokenDuration = tok, lifetime
		out.AccessTokenExpiresAt = now.Add(time.Duration(lifetime) * time.Second).UnixMilli()
		params = append(params, param{"access_token", tok}, param{"token_type", "Bearer"},
			param{"expires_in", strconv.FormatInt(lifetime, 10)})
		if !slices.Equal(scopes, req.Scopes) {
			params = append(params, param{"scope", strings.Join(scopes, " ")}) // RFC 6749 §4.2.2
		}
	}
	if oauth.ResponseTypeHas(req.ResponseType, "id_token") && slices.Contains(scopes, "openid") {
		sub := in.Subject
		if in.Sub != "" {
			sub = in.Sub
		}
		idt, err := e.SignIDToken(ctx, svc, c, IDToken{
			Subject: sub, Nonce: req.Nonce, AuthTime: authTime, ACR: in.ACR,
			AccessToken: out.AccessToken, Code: out.AuthorizationCode, State: req.State,
			Claims: claims, AliasUsed: req.ClientIDAliasUsed,
		})
		if err != nil {
			return AuthorizationResult{}, err
		}
		out.IDToken = idt
		params = append(params, param{"id_token", idt})
	}
	sent := e.replyTo(svc, req).send(params...)
	sent.ResultCode, sent.ResultMessage = resAuthzIssued.message()
	sent.AuthorizationCode, sent.AccessToken, sent.IDToken = out.AuthorizationCode, out.AccessToken, out.IDToken
	sent.AccessTokenDuration, sent.AccessTokenExpiresAt = out.AccessTokenDuration, out.AccessTokenExpiresAt
	return sent, nil
}

// newCode stores an authorization code bound to everything the token
// endpoint must check (RFC 6749 §4.1.3, RFC 7636 §4.6) and returns it raw.
func (e *Engine) newCode(ctx context.Context, svc store.Service, c store.Client, req AuthorizationRequest, in AuthorizationIssue,
	scopes []string, claims map[string]any, grantID string, authTime time.Time) (string, error) {
	raw, err := newSecret(e.rand)
	if err != nil {
		return "", Internal(err)
	}
	var claimsJSON []byte
	if claims != nil {
		if claimsJSON, err = json.Marshal(claims); err != nil {
			return "", Internal(fmt.Errorf("encode claims: %w", err))
		}
	}
	redirect := ""
	if req.RedirectURIGiven {
		redirect = req.RedirectURI
	}
	now := e.now()
	err = e.store.CreateCode(ctx, store.AuthorizationCode{
		ServiceID:           svc.APIKey,
		Hash:                hashToken(raw),
		GrantID:             grantID,
		ClientID:            c.ClientID,
		RedirectURI:         redirect,
		Scopes:              scopes,
		Subject:             in.Subject,
		IDTokenSubject:      in.Sub,
		AuthTime:            authTime,
		ACR:                 in.ACR,
		Nonce:               req.Nonce,
		UserInfoClaims:      req.UserInfoClaims,
		ClientIDAliasUsed:   req.ClientIDAliasUsed,
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: req.CodeChallengeMethod,
		Claims:              claimsJSON,
		Properties:          in.Properties,
		CreatedAt:           now,
		ExpiresAt:           now.Add(time.Duration(svc.AuthorizationCodeDuration) * time.Second),
	})
	if err != nil {
		return "", AsError(fmt.Errorf("store code: %w", err))
	}
	return raw, nil
}
