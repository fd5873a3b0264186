// Package api is Gatehouse's HTTP layer and nothing more: routes, the
// credential checks of DESIGN §1, strict binding and validation of request
// bodies, and the one error handler that turns every failure into a status
// and a {resultCode, resultMessage} body. Protocol and management decisions
// belong to package service; this package never talks to a store.
package api
