// Package store defines what Gatehouse persists and the contract every storage
// backend fulfils.
//
// The package is a leaf: it imports only the standard library, so the protocol
// engine (package service) can depend on it without pulling in a database
// driver. Records are plain structs passed by value; a backend never hands out
// memory the caller could use to change stored state.
//
// Every method that touches tenant data takes the tenant, the service's API
// key, as an explicit argument. A backend must scope every read and write by
// it: a record of service A is invisible to a call made for service B, which
// sees ErrNotFound exactly as if the record did not exist.
//
// Backends report failures with the sentinels below, wrapped with %w, and
// callers test them with errors.Is:
//
//   - ErrNotFound: no such record in this service.
//   - ErrAlreadyExists: a unique key (client ID, client ID alias, ticket,
//     code or token hash, API key) is taken.
//   - ErrConsumed: a single-use record was already consumed.
//   - ErrUnavailable: the backend could not be reached or was too busy; the
//     caller may retry. It is never the caller's fault, so the API layer turns
//     it into 503, never into a 4xx.
//
// Times are stored with millisecond precision (the resolution of BSON dates)
// and returned in UTC, by every backend alike. Expiry is never decided by a
// backend: records carry their ExpiresAt and the engine compares it with its
// own clock. The conformance suite in store/storetest pins all of this down.
package store
