// Package gatehouse is the Go SDK of the Gatehouse engine: a client for its
// API and, as the runtime APIs land, the helpers a frontend authorization
// server needs to relay protocol requests and answers. It depends on the
// standard library only, so that a frontend can adopt it without inheriting
// the engine's dependencies.
package gatehouse
