package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/google/uuid"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// Family 009: token management (DESIGN §4), for the service's own
// administrators: failures are management errors (HTTP 400 / 404), not
// OAuth actions.
var (
	resTokensCreated = result{code: "G009001", text: "the tokens were created; they are shown only in this response"}
	resTokensRevoked = result{code: "G009002", text: "%d tokens were revoked"}
	// resTokenNotFound does not repeat the identifier: it may be a token.
	resTokenNotFound = result{"G009201", KindNotFound, "no such token in this service"}
)

// createGrantTypes are the grants a token can be minted for. refresh_token
// is not one: it continues a grant, it does not start one.
var createGrantTypes = []string{
	oauth.GrantAuthorizationCode, oauth.GrantImplicit, oauth.GrantPassword,
	oauth.GrantClientCredentials, oauth.GrantJWTBearer,
}

// refreshableGrant: the grants whose token endpoint answer carries a
// refresh token; minted tokens of the others get none either, so that a
// token made here is what the flow would have made.
var refreshableGrant = map[string]bool{oauth.GrantAuthorizationCode: true, oauth.GrantPassword: true}

// TokenCreateRequest asks for tokens minted outside any OAuth flow
// (Authlete's /auth/token/create), e.g. when users of another authorization
// server are migrated: the administrator vouches for the grant.
type TokenCreateRequest struct {
	GrantType string // the wire grant type the tokens stand for
	ClientID  int64
	Subject   string // required except for client_credentials, where it must be empty
	Scopes    []string
	// AccessTokenDuration and RefreshTokenDuration, in seconds; 0 means the
	// client's, else the service's.
	AccessTokenDuration, RefreshTokenDuration int64
	Properties                                []store.Property
}

// CreateToken mints an access token, and a refresh token when the grant
// type and the client allow one, as the token endpoint would have issued
// them for the grant. Every bad field is named in one 400; the grant type
// and the scopes must be the client's, as in a real flow.
func (e *Engine) CreateToken(ctx context.Context, svc store.Service, req TokenCreateRequest) (TokenResult, error) {
	var bad problems
	if !slices.Contains(createGrantTypes, req.GrantType) {
		names := make([]string, len(createGrantTypes))
		for i, g := range createGrantTypes {
			names[i] = oauth.GrantTypes.Name(g)
		}
		bad.add("grantType", "must be one of %v", names)
	}
	endUser := req.GrantType != oauth.GrantClientCredentials
	switch {
	case endUser && !validSubject(req.Subject):
		bad.add("subject", "required for this grant type: 1 to %d printable ASCII characters", maxSubjectLength)
	case !endUser && req.Subject != "":
		bad.add("subject", "must be empty for CLIENT_CREDENTIALS: the token has no end-user")
	}
	bad.duration("accessTokenDuration", req.AccessTokenDuration, 0, maxTokenDuration)
	bad.duration("refreshTokenDuration", req.RefreshTokenDuration, 0, maxTokenDuration)
	c, err := e.store.GetClient(ctx, svc.APIKey, req.ClientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		bad.add("clientId", "no client %d in this service", req.ClientID)
	case err != nil:
		return TokenResult{}, AsError(fmt.Errorf("get client: %w", err))
	default:
		if !slices.Contains(c.GrantTypes, req.GrantType) || !slices.Contains(svc.SupportedGrantTypes, req.GrantType) {
			bad.add("grantType", "client %d is not registered for %s in this service", c.ClientID, oauth.GrantTypes.Name(req.GrantType))
		}
		for i, s := range req.Scopes {
			if !scopeAllowed(svc, c, s) || (!endUser && (s == "openid" || s == "offline_access")) {
				bad.add("scopes["+strconv.Itoa(i)+"]", "scope %q is not one the client may be granted", s)
			}
		}
	}
	if err := bad.err(); err != nil {
		return TokenResult{}, err
	}
	var scopes []string
	for _, s := range req.Scopes {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	is := issue{
		grantID: uuid.NewString(), subject: req.Subject, scopes: scopes, properties: req.Properties,
		refresh:        refreshableGrant[req.GrantType] && mayRefresh(svc, c),
		accessLifetime: req.AccessTokenDuration, refreshLifetime: req.RefreshTokenDuration,
	}
	out, err := e.issueTokens(ctx, svc, c, req.GrantType, is)
	if err != nil {
		return TokenResult{}, err
	}
	out.ResponseContent = ""
	out.ResultCode, out.ResultMessage = resTokensCreated.message()
	return out, nil
}

// ListTokens returns one page of the service's tokens, stored records only:
// hashes and metadata, never a raw token (the engine does not have them).
// clientIdentifier (a client ID or alias) and subject narrow the listing;
// an unknown client is a 404, as everywhere in client management. clientID
// is the client the identifier named, 0 when none was given.
func (e *Engine) ListTokens(ctx context.Context, svc store.Service, clientIdentifier, subject string, page store.Page) (list []store.Token, total int, clientID int64, err error) {
	f, err := e.tokenFilter(ctx, svc, clientIdentifier, subject)
	if err != nil {
		return nil, 0, 0, err
	}
	list, total, err = e.store.ListTokens(ctx, svc.APIKey, f, page)
	if err != nil {
		return nil, 0, 0, AsError(fmt.Errorf("list tokens: %w", err))
	}
	return list, total, f.ClientID, nil
}

// tokenFilter resolves a client identifier (ID or alias) for a filter.
func (e *Engine) tokenFilter(ctx context.Context, svc store.Service, clientIdentifier, subject string) (store.TokenFilter, error) {
	f := store.TokenFilter{Subject: subject}
	if clientIdentifier != "" {
		c, err := e.GetClient(ctx, svc.APIKey, clientIdentifier)
		if err != nil {
			return store.TokenFilter{}, err
		}
		f.ClientID = c.ClientID
	}
	return f, nil
}

// TokenRevokeRequest names what /auth/token/revoke ends: one token (by its
// value or its hash), or every token of a client and/or a subject.
type TokenRevokeRequest struct {
	AccessTokenIdentifier  string
	RefreshTokenIdentifier string
	ClientIdentifier       string
	Subject                string
}

// RevokeTokens ends tokens at the administrator's word and reports the
// result and how many tokens went. A named token takes its whole grant with
// it, as at the revocation endpoint: otherwise the refresh token would
// mint what was just revoked. An unknown token is nothing to revoke (count
// 0), as in RFC 7009 §2.2; an unknown client is a 404.
func (e *Engine) RevokeTokens(ctx context.Context, svc store.Service, req TokenRevokeRequest) (count int, code, message string, err error) {
	byToken := req.AccessTokenIdentifier != "" || req.RefreshTokenIdentifier != ""
	byOwner := req.ClientIdentifier != "" || req.Subject != ""
	switch {
	case byToken && byOwner:
		err = InvalidFields([]FieldError{{Field: "clientIdentifier", Message: "name tokens or an owner (client and/or subject), not both"}})
	case byToken:
		count, err = e.revokeNamed(ctx, svc, req)
	case byOwner:
		count, err = e.revokeOwned(ctx, svc, req.ClientIdentifier, req.Subject)
	default:
		err = InvalidFields([]FieldError{{Field: "accessTokenIdentifier", Message: "name a token, a client or a subject to revoke"}})
	}
	if err != nil {
		return 0, "", "", err
	}
	code, message = resTokensRevoked.message(count)
	return count, code, message, nil
}

func (e *Engine) revokeNamed(ctx context.Context, svc store.Service, req TokenRevokeRequest) (int, error) {
	count := 0
	for _, named := range []struct{ identifier, kind string }{
		{req.AccessTokenIdentifier, "access"}, {req.RefreshTokenIdentifier, "refresh"},
	} {
		if named.identifier == "" {
			continue
		}
		t, err := e.findToken(ctx, svc, named.identifier)
		if errors.Is(err, store.ErrNotFound) || (err == nil && t.Kind != named.kind) {
			continue
		}
		if err != nil {
			return 0, err
		}
		n, err := e.store.DeleteGrant(ctx, svc.APIKey, t.GrantID)
		if err != nil {
			return 0, AsError(fmt.Errorf("revoke grant: %w", err))
		}
		count += n
	}
	return count, nil
}

func (e *Engine) revokeOwned(ctx context.Context, svc store.Service, clientIdentifier, subject string) (int, error) {
	f, err := e.tokenFilter(ctx, svc, clientIdentifier, subject)
	if err != nil {
		return 0, err
	}
	n, err := e.store.DeleteTokens(ctx, svc.APIKey, f)
	if err != nil {
		return 0, AsError(fmt.Errorf("revoke tokens: %w", err))
	}
	// Codes not yet redeemed would mint new tokens of the same owner
	// (SECURITY T18): they go too.
	if _, err := e.store.DeleteCodes(ctx, svc.APIKey, f); err != nil {
		return 0, AsError(fmt.Errorf("revoke pending codes: %w", err))
	}
	return n, nil
}

// DeleteToken deletes the token named by identifier (its value or its
// hash) with its grant, or answers 404 when the service has no such token.
func (e *Engine) DeleteToken(ctx context.Context, svc store.Service, identifier string) error {
	t, err := e.findToken(ctx, svc, identifier)
	if errors.Is(err, store.ErrNotFound) {
		return newError(resTokenNotFound, nil)
	}
	if err != nil {
		return err
	}
	if _, err := e.store.DeleteGrant(ctx, svc.APIKey, t.GrantID); err != nil {
		return AsError(fmt.Errorf("delete grant: %w", err))
	}
	return nil
}

// findToken looks a token up by its value, then by its hash: Authlete's
// identifiers accept both, and an administrator holding only the listing
// has only hashes. Hashing the identifier first means a raw token is never
// taken for a hash: a value whose hash is another token's hash would be a
// SHA-256 collision. The error wraps store.ErrNotFound when neither exists.
func (e *Engine) findToken(ctx context.Context, svc store.Service, identifier string) (store.Token, error) {
	for _, hash := range []string{hashToken(identifier), identifier} {
		t, err := e.store.GetToken(ctx, svc.APIKey, hash)
		switch {
		case err == nil:
			return t, nil
		case !errors.Is(err, store.ErrNotFound):
			return store.Token{}, AsError(fmt.Errorf("get token: %w", err))
		}
	}
	return store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
}
