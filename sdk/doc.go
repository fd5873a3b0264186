// Package gatehouse is the Go SDK of the Gatehouse engine: a typed client
// for its API, and the HTTP handlers and middleware from which a frontend
// authorization server and its resource servers are assembled. It depends
// on the standard library only, so that a frontend adopting it inherits
// none of the engine's dependencies.
//
// # The engine and the frontend
//
// Gatehouse, like Authlete, splits an authorization server in two. The
// engine owns the protocol: it parses and validates every OAuth request,
// keeps codes, tickets, tokens and keys, and says what to answer. The
// frontend owns the HTTP endpoints, the login and consent pages and the
// users: for each OAuth request it forwards the raw request to the engine
// and answers what the engine says — an action and a ready-made body,
// redirect URL or WWW-Authenticate value. A frontend never parses OAuth
// itself, which is what makes it small and hard to get wrong.
//
// # The client
//
// Client calls the engine with one set of HTTP Basic credentials: a
// service's API key and secret for the runtime APIs (Authorization, Token,
// Introspection, UserInfo, ...), client management (CreateClient, ...),
// token management (CreateToken, ListTokens, ...) and the service's
// metadata (ServiceConfiguration, ServiceJWKS, RotateKeys); the operator's
// admin credentials for service management (CreateService, ...).
//
// Two kinds of failure are kept apart. An OAuth error — a bad code, an
// unknown client — is not an error of the call: the engine answers it with
// HTTP 200 and an action, and the method returns it as a result. A failed
// call — bad API credentials, the engine's store out — is an *Error with
// the HTTP status and the engine's resultCode and resultMessage. Calls are
// bounded by their context and by Client.Timeout per attempt; only what is
// safe to repeat is retried (see Client.Do).
//
// # Assembling a frontend
//
// A Frontend turns the runtime APIs into ready http.Handlers:
//
//	engine := &gatehouse.Client{BaseURL: engineURL, Key: apiKey, Secret: apiSecret}
//	fe := &gatehouse.Frontend{Client: engine, Realm: "example"}
//
//	mux := http.NewServeMux()
//	mux.Handle("/authorize", fe.AuthorizationHandler(loginPages))
//	mux.Handle("/token", fe.TokenHandler(gatehouse.TokenOptions{CheckPassword: users.Check}))
//	mux.Handle("/revoke", fe.RevocationHandler())
//	mux.Handle("/introspect", fe.IntrospectionHandler(gatehouse.BasicAuthenticator(resourceServers)))
//	mux.Handle("/userinfo", fe.UserInfoHandler(users.Claims))
//	mux.Handle("/.well-known/openid-configuration", fe.DiscoveryHandler())
//	mux.Handle("/jwks", fe.JWKSHandler())
//
// The authorization endpoint is the one place where the frontend does more
// than relay: when the engine answers INTERACTION or NO_INTERACTION, the
// handler calls the frontend's Interactor, which renders the login and
// consent pages (or, for prompt=none, checks the session) and finally
// calls Frontend.Issue or Frontend.Fail with the ticket; those answer the
// client with the redirect. The service's settings must name the
// frontend's endpoints (Service.AuthorizationEndpoint, ...) so that the
// discovery document publishes them.
//
// Handlers never show the engine's internals: when a call fails, the
// client gets a generic server_error (500, or 503 when the engine's store
// is out) and Frontend.Logger gets the details.
//
// # Answering an action
//
// Respond implements the action table of the design once (status,
// Location, content type, WWW-Authenticate, Cache-Control: no-store);
// RespondBearer is its variant for protected resources, RespondBasic for a
// client that authenticated with HTTP Basic. Frontends that write their own
// handlers use them with the Client's results.
//
// # Resource servers
//
// ResourceServer.RequireToken is middleware that admits a request only with
// a bearer access token the engine finds usable and sufficient for the
// required scopes, answering 400, 401 or 403 with a Bearer challenge
// otherwise, and puts the token's subject, scopes and client in the
// request's context. Good tokens are cached briefly (see
// ResourceServer.CacheTTL).
package gatehouse
