// Package service is the Gatehouse engine: tenant and client management now,
// the OAuth 2.0 / OpenID Connect protocol in later work. It is transport-free:
// it never imports echo, a database driver or a store backend. Callers give it
// plain records and get back values or an *Error that says, by its Kind, what
// kind of failure happened; the HTTP layer derives the status from the Kind
// in one place.
//
// All protocol state lives in the store (package store), so any number of
// engines may serve one database. Time and randomness are injected (Config),
// which is what makes expiry and identifier generation testable.
package service
