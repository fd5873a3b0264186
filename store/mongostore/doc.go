// Package mongostore is the production storage backend of Gatehouse: it
// implements store.Store on MongoDB 6+ through the official Go driver, and is
// tested against FerretDB 1.24 (SQLite backend), the MongoDB-compatible server
// of the project's development and CI machines.
//
// # Collections
//
//   - services: one document per tenant, unique by apiKey.
//   - clients: unique by {serviceId, clientId}; aliases are unique per service
//     through aliasKey (see below); listed through {serviceId, createdAt, clientId}.
//   - tickets: unique by {serviceId, hash}; swept through expiresAt.
//   - codes: authorization codes, unique by {serviceId, hash}; swept through
//     expiresAt.
//   - tokens: access and refresh tokens, unique by {serviceId, hash};
//     revoked by grant through {serviceId, grantId}; swept through expiresAt.
//   - claims: the marks of single-use records, unique by {serviceId, kind, key}.
//   - keys: signing keys, unique by {serviceId, kid}.
//
// Every document's _id is a fresh UUID (v7, so inserts land near each other in
// the _id index), never derived from user input. Every tenant-scoped index
// leads with serviceId and every tenant-scoped query carries it, so a sharded
// cluster can shard on serviceId without a query turning into a broadcast. The
// only cross-tenant queries are the operator's service listing and the expiry
// sweep, which is housekeeping. Filters are built from typed Go values (int64,
// string), never from decoded user JSON, so a client_id of {"$ne": ""} stays a
// string and never becomes a query operator.
//
// # Single use without transactions
//
// FerretDB 1.24 has no multi-document transactions, and its FindOneAndUpdate,
// FindOneAndDelete, conditional UpdateOne and $inc are not atomic under
// concurrency: a race of 50 goroutines sees several winners. Two operations
// are atomic on FerretDB and on MongoDB alike: DeleteOne judged by its
// DeletedCount, and an insert whose key is unique. Single use is therefore an
// insert-claim: consuming a ticket reads it and then inserts a claim document
// under the unique key {serviceId, kind: "ticket", key: hash}. Exactly one
// insert wins; every other caller gets a duplicate key error, which the store
// reports as the record and store.ErrConsumed, so the engine can tell a replay
// from a guess. Authorization codes are consumed the same way under kind
// "code"; the claims collection is generic so that refresh-token rotation and
// assertion jti can reuse it too. Keeping the ticket or code (rather than
// deleting it) is what lets a replay still be told from a guess, and a
// replayed code get its grant revoked.
//
// # Uniqueness of optional fields
//
// FerretDB has no partial indexes, and a sparse compound index would still
// index every client through its serviceId, so a per-service unique alias
// cannot be an index on {serviceId, clientIdAlias}. Instead a client with an
// alias carries the derived field aliasKey = "<serviceId>:<alias>" under a
// unique sparse index; a client without an alias has no aliasKey and is not
// indexed.
//
// # Expiry
//
// Expiry is decided by the engine with its own clock, never by the store, and
// FerretDB ignores TTL indexes, so none is created: DeleteExpiredTickets
// sweeps tickets first and their claims second (the reverse order could, after
// a crash between the two, leave a live ticket without its claim and let it be
// consumed twice), and DeleteExpiredCodes does the same for codes.
//
// # Multi-step writes
//
// Without transactions, a write that touches several collections is ordered so
// that a failure half-way leaves a state the same call can finish by being
// retried: DeleteService removes the tenant's clients, tickets, codes,
// claims, tokens and keys first and the service last.
//
// # Errors
//
// Driver errors are translated in one place (errors.go): no document is
// store.ErrNotFound, a duplicate key store.ErrAlreadyExists, and anything that
// says the server could not be reached or was too busy store.ErrUnavailable.
// The driver's error stays in the chain, so errors.Is and errors.As see both.
package mongostore
