package service

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// normalizeClient fills the settings a caller may leave out with the
// defaults that follow from the rest: a public client authenticates with
// "none", a confidential one with client_secret_basic; a client that names no
// grant type uses the authorization code; RS256 signs ID tokens.
func normalizeClient(c *store.Client) {
	if c.ApplicationType == "" {
		c.ApplicationType = oauth.AppWeb
	}
	if c.TokenAuthMethod == "" {
		c.TokenAuthMethod = oauth.AuthClientSecretBasic
		if c.ClientType == oauth.ClientPublic {
			c.TokenAuthMethod = oauth.AuthNone
		}
	}
	if c.GrantTypes == nil {
		c.GrantTypes = []string{oauth.GrantAuthorizationCode}
	}
	if c.ResponseTypes == nil && slices.Contains(c.GrantTypes, oauth.GrantAuthorizationCode) {
		c.ResponseTypes = []string{oauth.ResponseCode}
	}
	if c.IDTokenSignAlg == "" {
		c.IDTokenSignAlg = oauth.AlgRS256
	}
}

// CreateClient validates and stores a new client of svc. A confidential
// client gets a fresh secret, returned once and kept only as a hash.
func (e *Engine) CreateClient(ctx context.Context, svc store.Service, in store.Client) (store.Client, string, error) {
	normalizeClient(&in)
	if err := validateClient(svc, in); err != nil {
		return store.Client{}, "", err
	}
	in.ServiceID = svc.APIKey
	secret, err := e.issueSecret(&in)
	if err != nil {
		return store.Client{}, "", err
	}
	now := e.now()
	in.CreatedAt, in.ModifiedAt = now, now
	for range 3 {
		if in.ClientID, err = newID(e.rand); err != nil {
			return store.Client{}, "", Internal(err)
		}
		err = e.store.CreateClient(ctx, in)
		if !errors.Is(err, store.ErrAlreadyExists) {
			break
		}
		if in.ClientIDAlias != "" && e.aliasTaken(ctx, svc.APIKey, in.ClientIDAlias) {
			return store.Client{}, "", newError(resClientAliasTaken, err, in.ClientIDAlias)
		}
	}
	switch {
	case errors.Is(err, store.ErrAlreadyExists):
		return store.Client{}, "", newError(resClientIDSpace, err)
	case err != nil:
		return store.Client{}, "", AsError(err)
	}
	c, err := e.getClientByID(ctx, svc.APIKey, in.ClientID)
	return c, secret, err
}

// aliasTaken tells a taken alias apart from a client ID collision after
// ErrAlreadyExists. A store error here is treated as "taken": the caller
// retries the create at worst.
func (e *Engine) aliasTaken(ctx context.Context, serviceID int64, alias string) bool {
	_, err := e.fresh.GetClientByAlias(ctx, serviceID, alias)
	return !errors.Is(err, store.ErrNotFound)
}

// issueSecret gives a confidential client a new secret (returned in clear,
// stored as a hash) and takes any secret away from a public one.
func (e *Engine) issueSecret(c *store.Client) (string, error) {
	if c.ClientType != oauth.ClientConfidential {
		c.ClientSecretHash = nil
		return "", nil
	}
	secret, err := newSecret(e.rand)
	if err != nil {
		return "", Internal(err)
	}
	c.ClientSecretHash = HashSecret(secret)
	return secret, nil
}

// GetClient returns a client of the service by its identifier: the numeric
// client ID or, failing that, the alias. A client of another service is "not
// found", exactly like one that does not exist (SECURITY M01, M10).
func (e *Engine) GetClient(ctx context.Context, serviceID int64, identifier string) (store.Client, error) {
	if id, err := strconv.ParseInt(identifier, 10, 64); err == nil {
		// Aliases are never all digits (validateClient), so a number is an ID.
		return e.getClientByID(ctx, serviceID, id)
	}
	c, err := e.fresh.GetClientByAlias(ctx, serviceID, identifier)
	if err != nil {
		return store.Client{}, storeError(err, resClientNotFound, strconv.Quote(identifier))
	}
	return c, nil
}

func (e *Engine) getClientByID(ctx context.Context, serviceID, clientID int64) (store.Client, error) {
	c, err := e.fresh.GetClient(ctx, serviceID, clientID)
	if err != nil {
		return store.Client{}, storeError(err, resClientNotFound, strconv.Quote(strconv.FormatInt(clientID, 10)))
	}
	return c, nil
}

// ListClients returns one page of the service's clients and their total number.
func (e *Engine) ListClients(ctx context.Context, serviceID int64, page store.Page) ([]store.Client, int, error) {
	list, total, err := e.store.ListClients(ctx, serviceID, page)
	if err != nil {
		return nil, 0, AsError(err)
	}
	return list, total, nil
}

// UpdateClient replaces the settings of a client. Its ID, service and
// creation time stay; its secret stays unless the client turns confidential
// (it gets one, returned once) or public (it loses it).
func (e *Engine) UpdateClient(ctx context.Context, svc store.Service, clientID int64, in store.Client) (store.Client, string, error) {
	if in.ClientID != 0 && in.ClientID != clientID {
		return store.Client{}, "", InvalidFields([]FieldError{{Field: "clientId", Message: "does not match the clientId of the path"}})
	}
	old, err := e.getClientByID(ctx, svc.APIKey, clientID)
	if err != nil {
		return store.Client{}, "", err
	}
	normalizeClient(&in)
	if err := validateClient(svc, in); err != nil {
		return store.Client{}, "", err
	}
	in.ServiceID, in.ClientID, in.CreatedAt = old.ServiceID, old.ClientID, old.CreatedAt
	in.ClientSecretHash = old.ClientSecretHash
	var secret string
	if in.ClientType != oauth.ClientConfidential || len(old.ClientSecretHash) == 0 {
		if secret, err = e.issueSecret(&in); err != nil {
			return store.Client{}, "", err
		}
	}
	in.ModifiedAt = e.now()
	switch err := e.store.UpdateClient(ctx, in); {
	case errors.Is(err, store.ErrAlreadyExists):
		return store.Client{}, "", newError(resClientAliasTaken, err, in.ClientIDAlias)
	case err != nil:
		return store.Client{}, "", storeError(err, resClientNotFound, strconv.Quote(strconv.FormatInt(clientID, 10)))
	}
	c, err := e.getClientByID(ctx, svc.APIKey, clientID)
	return c, secret, err
}

// DeleteClient deletes a client by its identifier (ID or alias).
func (e *Engine) DeleteClient(ctx context.Context, serviceID int64, identifier string) error {
	c, err := e.GetClient(ctx, serviceID, identifier)
	if err != nil {
		return err
	}
	if err := e.store.DeleteClient(ctx, serviceID, c.ClientID); err != nil {
		return storeError(err, resClientNotFound, strconv.Quote(identifier))
	}
	return nil
}

// RefreshClientSecret replaces a confidential client's secret with a new one,
// returned once; the old secret stops working at once.
func (e *Engine) RefreshClientSecret(ctx context.Context, serviceID int64, identifier string) (clientID int64, secret string, err error) {
	c, err := e.GetClient(ctx, serviceID, identifier)
	if err != nil {
		return 0, "", err
	}
	if c.ClientType != oauth.ClientConfidential {
		return 0, "", newError(resPublicClientSecret, nil, c.ClientID)
	}
	if secret, err = e.issueSecret(&c); err != nil {
		return 0, "", err
	}
	c.ModifiedAt = e.now()
	if err := e.store.UpdateClient(ctx, c); err != nil {
		return 0, "", storeError(err, resClientNotFound, strconv.Quote(identifier))
	}
	return c.ClientID, secret, nil
}

// SecretRefreshedResult is the resultCode and resultMessage of a successful
// secret refresh.
func SecretRefreshedResult(clientID int64) (code, message string) {
	return resSecretRefreshed.message(clientID)
}
