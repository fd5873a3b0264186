package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors returned (wrapped) by every backend. See the package
// documentation for their meaning.
var (
	ErrNotFound      = errors.New("store: not found")
	ErrAlreadyExists = errors.New("store: already exists")
	ErrConsumed      = errors.New("store: already consumed")
	ErrUnavailable   = errors.New("store: unavailable")
)

// Store is the whole persistence contract of the engine.
type Store interface {
	ServiceStore
	ClientStore
	TicketStore
	KeyStore
	ClaimStore
	CodeStore
	TokenStore

	// Ping reports whether the backend is reachable (ErrUnavailable if not).
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close(ctx context.Context) error
}

// Page selects the half-open range [Start, End) of a listing ordered by
// creation time (then by identifier, so the order is total and stable).
type Page struct {
	Start int
	End   int
}

// ServiceStore persists services (tenants). A service's ID is its API key.
type ServiceStore interface {
	// CreateService stores a new service; ErrAlreadyExists if the API key is taken.
	CreateService(ctx context.Context, svc Service) error
	// GetService returns the service or ErrNotFound.
	GetService(ctx context.Context, serviceID int64) (Service, error)
	// ListServices returns one page of services and the total number of services.
	ListServices(ctx context.Context, page Page) ([]Service, int, error)
	// UpdateService replaces a stored service; ErrNotFound if it does not exist.
	UpdateService(ctx context.Context, svc Service) error
	// DeleteService deletes a service together with everything it owns
	// (clients, tickets, keys, codes, tokens); ErrNotFound if it does not exist.
	DeleteService(ctx context.Context, serviceID int64) error
}

// ClientStore persists the clients of a service.
type ClientStore interface {
	// CreateClient stores a new client of c.ServiceID; ErrAlreadyExists if its
	// client ID or its (non-empty) alias is taken within the service.
	CreateClient(ctx context.Context, c Client) error
	// GetClient returns a client by its numeric ID, or ErrNotFound.
	GetClient(ctx context.Context, serviceID, clientID int64) (Client, error)
	// GetClientByAlias returns a client by its alias, or ErrNotFound.
	GetClientByAlias(ctx context.Context, serviceID int64, alias string) (Client, error)
	// ListClients returns one page of the service's clients and their total number.
	ListClients(ctx context.Context, serviceID int64, page Page) ([]Client, int, error)
	// UpdateClient replaces a stored client; ErrNotFound if it does not exist,
	// ErrAlreadyExists if its new alias is taken by another client.
	UpdateClient(ctx context.Context, c Client) error
	// DeleteClient deletes a client; ErrNotFound if it does not exist.
	DeleteClient(ctx context.Context, serviceID, clientID int64) error
}

// TicketStore persists tickets: the opaque, single-use handles a frontend
// carries between an engine call and its follow-up (for example from
// /auth/authorization to /auth/authorization/issue).
type TicketStore interface {
	// CreateTicket stores a ticket; ErrAlreadyExists if its hash is taken.
	CreateTicket(ctx context.Context, t Ticket) error
	// ConsumeTicket marks the ticket with this hash used. Exactly one caller
	// ever consumes a ticket: it gets the record and a nil error. Every later
	// caller gets the record and ErrConsumed, so the engine can tell a replay
	// from a guess; a backend may have dropped that record's Payload, which
	// a spent ticket never needs again. An unknown hash gets ErrNotFound. Expiry is not checked
	// here; the caller compares ExpiresAt with its clock.
	ConsumeTicket(ctx context.Context, serviceID int64, hash string) (Ticket, error)
	// DeleteExpiredTickets removes, across all services, the tickets (and
	// their consumption marks) that expired before the given time, and
	// reports how many tickets it removed. It is housekeeping only.
	DeleteExpiredTickets(ctx context.Context, before time.Time) (int, error)
}

// KeyStore persists the signing keys of a service. Which key is active is
// not stored: the engine derives it from the list (the newest key of each
// algorithm), so instances sharing a database agree without coordination.
type KeyStore interface {
	// CreateKey stores a key; ErrAlreadyExists if its key ID is taken in the
	// service.
	CreateKey(ctx context.Context, k SigningKey) error
	// ListKeys returns every key of the service, oldest first (by creation
	// time, then key ID).
	ListKeys(ctx context.Context, serviceID int64) ([]SigningKey, error)
	// DeleteKey deletes a key; ErrNotFound if it does not exist.
	DeleteKey(ctx context.Context, serviceID int64, kid string) error
}

// CodeStore persists authorization codes.
type CodeStore interface {
	// CreateCode stores a code; ErrAlreadyExists if its hash is taken in the
	// service.
	CreateCode(ctx context.Context, c AuthorizationCode) error
	// ConsumeCode marks the code with this hash used. Exactly one caller ever
	// consumes a code: it gets the record and a nil error. Every later caller
	// gets the record and ErrConsumed, so the engine can revoke the tokens of
	// the code's grant (RFC 6749 §4.1.2). An unknown hash gets ErrNotFound.
	// Expiry is not checked here; the caller compares ExpiresAt with its clock.
	ConsumeCode(ctx context.Context, serviceID int64, hash string) (AuthorizationCode, error)
	// DeleteCodes deletes the service's codes that match f (by client and
	// subject, as for tokens) and reports how many: a pending code can then
	// no longer be redeemed, e.g. once its end-user's grants are revoked.
	DeleteCodes(ctx context.Context, serviceID int64, f TokenFilter) (int, error)
	// DeleteExpiredCodes removes, across all services, the codes (and their
	// consumption marks) that expired before the given time, and reports how
	// many codes it removed. It is housekeeping only.
	DeleteExpiredCodes(ctx context.Context, before time.Time) (int, error)
}

// TokenStore persists access and refresh tokens.
type TokenStore interface {
	// CreateToken stores a token; ErrAlreadyExists if its hash is taken in
	// the service.
	CreateToken(ctx context.Context, t Token) error
	// GetToken returns the token with this hash, or ErrNotFound. Expiry is not
	// checked here.
	GetToken(ctx context.Context, serviceID int64, hash string) (Token, error)
	// DeleteGrant deletes every token of one grant of the service (family
	// revocation, RFC 9700 §4.14.2) and reports how many it deleted; 0 and a
	// nil error when there were none.
	DeleteGrant(ctx context.Context, serviceID int64, grantID string) (int, error)
	// ListTokens returns one page of the service's tokens that match f,
	// ordered as Page says, and how many match. Expired tokens not yet swept
	// are included; the caller judges expiry.
	ListTokens(ctx context.Context, serviceID int64, f TokenFilter, page Page) ([]Token, int, error)
	// DeleteTokens deletes every token of the service that matches f and
	// reports how many it deleted. The tokens of one grant share their
	// client and subject, so whole grants go. An empty filter matches every
	// token of the service.
	DeleteTokens(ctx context.Context, serviceID int64, f TokenFilter) (int, error)
	// DeleteExpiredTokens removes, across all services, the tokens that
	// expired before the given time and reports how many it removed. It is
	// housekeeping only.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error)
}

// ClaimStore records single uses that have no record of their own to mark:
// a refresh token rotated away, a client assertion's jti. A claim is the
// insert of a unique key, which is atomic on every backend.
type ClaimStore interface {
	// Claim marks (kind, key) used in the service until expiresAt. The first
	// caller gets nil; every later caller gets ErrConsumed, until the mark
	// expires and is swept.
	Claim(ctx context.Context, serviceID int64, kind, key string, expiresAt time.Time) error
	// Claimed reports whether (kind, key) is marked used in the service. It
	// is for reads only (is this refresh token rotated away?): deciding a
	// single use on it would be a race; use Claim.
	Claimed(ctx context.Context, serviceID int64, kind, key string) (bool, error)
	// DeleteExpiredClaims removes, across services, the marks made by Claim
	// that expired before the given time, and reports how many.
	DeleteExpiredClaims(ctx context.Context, before time.Time) (int, error)
}
